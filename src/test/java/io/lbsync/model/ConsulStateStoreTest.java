package io.lbsync.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsulStateStoreTest {
    private static final CatalogSnapshot CATALOG = CatalogSnapshot.of(3, Map.of());
    private static final KvSnapshot KV = KvSnapshot.of(4, "lbsync/", Map.of("sites/a", "{}"));

    @Test
    void nothingIsPassedOnUntilBothWatchesSynced() {
        ConsulStateStore store = new ConsulStateStore(true, "lbsync/");
        assertThat(store.updateCatalog(CATALOG)).isNull();
        ConsulState state = store.updateKv(KV);
        assertThat(state).isNotNull();
        assertThat(state.catalog()).isSameAs(CATALOG);
        assertThat(state.kv()).isSameAs(KV);
    }

    @Test
    void theKvWatchCanComeFirst() {
        ConsulStateStore store = new ConsulStateStore(true, "lbsync/");
        assertThat(store.updateKv(KV)).isNull();
        assertThat(store.updateCatalog(CATALOG)).isNotNull();
    }

    @Test
    void withoutAKvWatchTheCatalogIsEnough() {
        ConsulStateStore store = new ConsulStateStore(false, "lbsync/");
        ConsulState state = store.updateCatalog(CATALOG);
        assertThat(state.kv().entries()).isEmpty();
    }
}
