package io.lbsync.watch;

import io.lbsync.model.KvSnapshot;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/**
 * Watches one K/V prefix recursively with one long poll (Consul's K/V index is per prefix and also moves on
 * deletes) and hands on the whole subtree when any key or value under it changed.
 */
public final class KvWatcher implements Watcher {
    private final BlockingLoop<KvSnapshot> loop;
    private KvSnapshot lastEmitted;

    public KvWatcher(ConsulReader reader, String prefix, WatchOptions options, Consumer<KvSnapshot> sink, WatchHealth health) {
        this.loop = new BlockingLoop<>("kv:" + prefix, (index, wait) -> reader.kv(prefix, index, wait), options.blockingWait(),
                options.minInterval(), options.newBackoff(), reading -> {
                    if (!reading.data().sameDataAs(lastEmitted)) {
                        lastEmitted = reading.data();
                        sink.accept(reading.data());
                    }
                }, health, options.newIndexTracker());
    }

    @Override
    public void start(ExecutorService executor) {
        executor.submit(loop);
    }

    @Override
    public void stop() {
        loop.stop();
    }

    @Override
    public void agentSwitched() {
        loop.restart();
    }
}
