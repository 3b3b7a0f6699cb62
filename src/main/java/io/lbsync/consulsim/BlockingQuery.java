package io.lbsync.consulsim;

import java.util.function.Supplier;

/**
 * Consul's blocking-query loop: with ?index=N, answer at once if the read's index is already past N,
 * otherwise wait until what the read watches changes and its index passes N, or until wait + jitter
 * elapses, and then answer with the current data and index.
 */
final class BlockingQuery {
    private final StateStore store;

    BlockingQuery(StateStore store) {
        this.store = store;
    }

    /** Parses ?index/?wait, runs the read (blocking if asked) and answers with Consul's query-meta headers. */
    ApiResponse respond(ApiRequest req, Supplier<QueryResult> read) throws ApiException, InterruptedException, AgentStoppedException {
        QueryOptions options = QueryOptions.parse(req);
        QueryResult result = run(req.agent(), options, read);
        ApiResponse response = result.found() ? ApiResponse.json(result.body(), req.pretty()) : ApiResponse.empty(404);
        return response.queryMeta(result.index(), options);
    }

    QueryResult run(LocalAgent agent, QueryOptions options, Supplier<QueryResult> read)
            throws InterruptedException, AgentStoppedException {
        long deadline = System.nanoTime() + options.timeoutWithJitter().toNanos();
        store.lock();
        try {
            QueryResult first = read.get();
            if (options.minIndex() == 0 || first.index() > options.minIndex()) {
                return first;
            }
            while (true) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return read.get();
                }
                store.awaitChange(remaining);
                if (!agent.isRunning()) {
                    throw new AgentStoppedException();
                }
                QueryResult current = read.get();
                if (current.watchIndex() != first.watchIndex() && current.index() > options.minIndex()) {
                    return current;
                }
            }
        } finally {
            store.unlock();
        }
    }
}
