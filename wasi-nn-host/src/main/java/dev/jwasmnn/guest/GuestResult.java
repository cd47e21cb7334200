package dev.jwasmnn.guest;

import java.time.Duration;

/**
 * The end of one guest run.
 *
 * @param outcome how it ended
 * @param exitCode the guest's exit code when {@code outcome} is EXITED, else -1
 * @param message what happened, for logs and error responses; empty for a normal exit
 * @param stdout what the guest wrote to stdout when it was captured (else empty)
 * @param stderr what the guest wrote to stderr when it was captured (else empty)
 * @param elapsed from the start of instantiation to the end of the run
 * @param instantiation time spent creating the instance (memory, data segments, imports)
 * @param computeNanos time the guest spent inside wasi-nn compute calls
 * @param computeWaitNanos time its compute calls waited for a turn on the model (not in computeNanos)
 * @param peakMemoryBytes the size of linear memory when the run ended
 */
public record GuestResult(
        GuestOutcome outcome,
        int exitCode,
        String message,
        byte[] stdout,
        byte[] stderr,
        Duration elapsed,
        Duration instantiation,
        long computeNanos,
        long computeWaitNanos,
        long peakMemoryBytes) {

    public boolean succeeded() {
        return outcome == GuestOutcome.EXITED && exitCode == 0;
    }

    public String stdoutText() {
        return new String(stdout, java.nio.charset.StandardCharsets.UTF_8);
    }

    public String stderrText() {
        return new String(stderr, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "GuestResult[" + outcome + (outcome == GuestOutcome.EXITED ? " exit=" + exitCode : "")
                + (message.isEmpty() ? "" : " " + message) + ", " + elapsed.toNanos() / 1000 + " µs]";
    }
}
