package dev.jwasmnn.guest;

/** How a guest run ended. */
public enum GuestOutcome {
    /** {@code _start} returned or the guest called {@code proc_exit}; see the exit code. */
    EXITED,
    /** The guest trapped (unreachable, out-of-bounds access, panic with panic=abort ...). */
    TRAPPED,
    /** The deadline passed and the guest was interrupted. */
    DEADLINE_EXCEEDED,
    /** The guest needed more linear memory than its cap. */
    MEMORY_LIMIT,
    /** The guest wrote more to stdout or stderr than its cap. */
    OUTPUT_LIMIT,
    /** The guest recursed deeper than the thread stack allows. */
    STACK_EXHAUSTED,
    /** The caller cancelled the run (client gone, shutdown). */
    CANCELLED,
    /** The guest could not be instantiated or the host failed; not the guest's doing. */
    HOST_ERROR
}
