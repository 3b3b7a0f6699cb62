package io.lbsync.consulsim;

/** One HTTP API operation. */
@FunctionalInterface
interface Endpoint {
    ApiResponse handle(ApiRequest req) throws ApiException, InterruptedException, AgentStoppedException;
}
