package dev.jwasmnn.guest;

import java.time.Duration;

/**
 * What one guest run may use. Every run has all of them: there is no unlimited setting.
 *
 * @param memoryBytes cap on linear memory (rounded down to 64 KiB pages)
 * @param stdoutBytes cap on what the guest writes to stdout
 * @param stderrBytes cap on what the guest writes to stderr
 * @param deadline wall time from submission to the end of the run
 */
public record GuestLimits(long memoryBytes, long stdoutBytes, long stderrBytes, Duration deadline) {

    public static final GuestLimits DEFAULT = new GuestLimits(512L << 20, 16L << 20, 1L << 20, Duration.ofSeconds(60));

    /** Chicory's largest linear memory: 32767 pages. */
    public static final long MAX_MEMORY_BYTES = 32767L * 65536;

    public GuestLimits {
        if (memoryBytes < 65536 || memoryBytes > MAX_MEMORY_BYTES) {
            throw new IllegalArgumentException(
                    "memory limit must be from 64 KiB to " + (MAX_MEMORY_BYTES >> 20) + " MiB, got " + memoryBytes + " bytes");
        }
        if (stdoutBytes < 0 || stderrBytes < 0) {
            throw new IllegalArgumentException("output limits must not be negative");
        }
        if (deadline == null || deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive");
        }
    }

    public int memoryPages() {
        return (int) (memoryBytes / 65536);
    }

    public GuestLimits withMemoryBytes(long bytes) {
        return new GuestLimits(bytes, stdoutBytes, stderrBytes, deadline);
    }

    public GuestLimits withStdoutBytes(long bytes) {
        return new GuestLimits(memoryBytes, bytes, stderrBytes, deadline);
    }

    public GuestLimits withStderrBytes(long bytes) {
        return new GuestLimits(memoryBytes, stdoutBytes, bytes, deadline);
    }

    public GuestLimits withDeadline(Duration d) {
        return new GuestLimits(memoryBytes, stdoutBytes, stderrBytes, d);
    }
}
