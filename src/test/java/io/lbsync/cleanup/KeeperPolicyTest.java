package io.lbsync.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeeperPolicyTest {
    private final KeeperPolicy policy = new KeeperPolicy();

    /** A copy of "web-1" (service address 10.0.0.9) on a node; local = the node has the service's address. */
    private static Copy copy(String node, boolean local, boolean passing, long createIndex) {
        return new Copy("web", "web-1", node, local ? "10.0.0.9" : "10.0.1." + node.length(), "10.0.0.9", 80, passing, createIndex);
    }

    @Test
    void theCopyOnTheInstancesOwnAgentWinsOverHealthAndAge() {
        Copy local = copy("node-c", true, false, 300);
        KeeperPolicy.Verdict v = policy.decide(List.of(copy("node-a", false, true, 10), local, copy("node-b", false, true, 20)));
        assertThat(v.keeper()).isEqualTo(local);
        assertThat(v.reason()).isEqualTo("node address equals service address");
        assertThat(v.extras()).extracting(Copy::node).containsExactly("node-a", "node-b");
    }

    @Test
    void thenPassingHealthWinsOverAge() {
        KeeperPolicy.Verdict v = policy.decide(List.of(copy("node-a", false, false, 10), copy("node-b", false, true, 20)));
        assertThat(v.keeper().node()).isEqualTo("node-b");
        assertThat(v.reason()).isEqualTo("passing health");
    }

    @Test
    void thenTheOldestRegistration() {
        KeeperPolicy.Verdict v = policy.decide(List.of(copy("node-a", false, true, 30), copy("node-b", false, true, 20)));
        assertThat(v.keeper().node()).isEqualTo("node-b");
        assertThat(v.reason()).isEqualTo("oldest registration (CreateIndex 20)");
    }

    @Test
    void tiesGoToTheFirstNodeName() {
        KeeperPolicy.Verdict v = policy.decide(List.of(copy("node-b", false, true, 20), copy("node-a", false, true, 20)));
        assertThat(v.keeper().node()).isEqualTo("node-a");
        assertThat(v.reason()).isEqualTo("first node name");
    }

    @Test
    void theChoiceDoesNotDependOnTheOrderCopiesArriveIn() {
        List<Copy> copies = new ArrayList<>(List.of(copy("n1", false, true, 5), copy("n2", true, false, 9),
                copy("n3", false, false, 1), copy("n4", true, true, 7), copy("n5", true, true, 7)));
        for (int i = 0; i < 20; i++) {
            Collections.shuffle(copies);
            assertThat(policy.decide(copies).keeper().node()).isEqualTo("n4");
        }
    }

    @Test
    void aLoneCopyIsAlwaysKeptAndNothingIsRemoved() {
        KeeperPolicy.Verdict v = policy.decide(List.of(copy("node-a", false, false, 1)));
        assertThat(v.keeper().node()).isEqualTo("node-a");
        assertThat(v.extras()).isEmpty();
        assertThatThrownBy(() -> policy.decide(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
