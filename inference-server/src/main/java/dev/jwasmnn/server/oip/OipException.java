package dev.jwasmnn.server.oip;

/**
 * A request the Open Inference Protocol layer refuses. The message is sent to the client verbatim
 * as {@code {"error": message}}, so it must say what is wrong in the client's terms.
 */
public class OipException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    public OipException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** A 400 Bad Request. */
    public OipException(String message) {
        this(400, message);
    }

    /** A 400 Bad Request with a {@link String#format} message. */
    public static OipException badRequest(String format, Object... args) {
        return new OipException(400, String.format(format, args));
    }

    /** The HTTP status to answer with. */
    public int status() {
        return status;
    }
}
