package io.lbsync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DatacenterListTest {
    @Test
    void aListIsTheOrderWithTheLocalDatacenterFirst() {
        DatacenterList list = DatacenterList.parse(" dc1, dc2 ,dc3");
        assertThat(list.names()).containsExactly("dc1", "dc2", "dc3");
        assertThat(list.local()).contains("dc1");
        assertThat(list.resolve("ignored", List.of("x"))).containsExactly("dc1", "dc2", "dc3");
        assertThat(DatacenterList.parse("").names()).isEmpty();
    }

    @Test
    void nearestIsTheAgentsDatacenterThenConsulsRoundTripOrder() {
        DatacenterList nearest = DatacenterList.parse("Nearest");
        assertThat(nearest.local()).isEmpty();
        assertThat(nearest.resolve("dc2", List.of("dc1", "dc2", "dc3"))).containsExactly("dc2", "dc1", "dc3");
    }

    @Test
    void badNamesAndRepeatsAreRefusedByName() {
        assertThatThrownBy(() -> DatacenterList.parse("dc1,dc 2")).hasMessageContaining("lbsync.consul.datacenters")
                .hasMessageContaining("'dc 2'");
        assertThatThrownBy(() -> DatacenterList.parse("dc1,,dc2")).hasMessageContaining("''");
        assertThatThrownBy(() -> DatacenterList.parse("dc1,dc1")).hasMessageContaining("listed twice");
    }
}
