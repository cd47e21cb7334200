package dev.jwasmnn.server;

/** Where one request's time went, for metrics and the request log line. Written by one thread. */
final class RequestTimings {
    final long startNanos = System.nanoTime();
    long readNanos;
    long queueNanos;
    long guestNanos;
    long computeNanos;

    long elapsedNanos() {
        return System.nanoTime() - startNanos;
    }
}
