package dev.jwasmnn.server;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A place in flight that a request and its guest run hold together: given back when both are
 * done. Normally the run ends first; but a run stuck in a host call that cannot be interrupted
 * outlives the request that gave up on it, and it must go on counting against {@code in_flight},
 * or timed-out requests could pile up such work without bound.
 */
final class SharedPlace {
    private final AtomicInteger holders = new AtomicInteger(2);
    private final AdmissionQueue.Permit permit;

    SharedPlace(AdmissionQueue.Permit permit) {
        this.permit = permit;
    }

    /** One holder is done; the second call gives the place back. Call exactly once per holder. */
    void done() {
        if (holders.decrementAndGet() == 0) {
            permit.close();
        }
    }
}
