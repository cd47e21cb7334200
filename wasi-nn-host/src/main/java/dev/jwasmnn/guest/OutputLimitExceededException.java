package dev.jwasmnn.guest;

/**
 * Thrown from a guest's stdout or stderr when it writes past its cap. It is not an IOException
 * on purpose: WASI turns IOExceptions into an errno the guest could ignore and keep writing,
 * while this unwinds the guest and ends the run.
 */
public final class OutputLimitExceededException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String stream;
    private final long limit;

    public OutputLimitExceededException(String stream, long limit) {
        super("guest wrote more than " + limit + " bytes to " + stream);
        this.stream = stream;
        this.limit = limit;
    }

    public String stream() {
        return stream;
    }

    public long limit() {
        return limit;
    }
}
