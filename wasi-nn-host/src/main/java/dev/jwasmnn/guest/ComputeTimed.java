package dev.jwasmnn.guest;

/** A host extension session that measures time spent in inference, for per-run accounting. */
public interface ComputeTimed {
    long computeNanos();
}
