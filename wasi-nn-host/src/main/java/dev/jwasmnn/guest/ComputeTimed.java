package dev.jwasmnn.guest;

/** A host extension session that measures time spent in inference, for per-run accounting. */
public interface ComputeTimed {
    long computeNanos();

    /** Time spent waiting for a turn to compute (see {@code ComputeSlots}), apart from computing. */
    default long computeWaitNanos() {
        return 0;
    }
}
