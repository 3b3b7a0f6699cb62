package io.lbsync.watch;

/** One answer from Consul: the data plus the X-Consul-Index it was read at. */
public record Reading<T>(T data, long index) {
}
