package dev.jwasmnn.server;

/**
 * A request that ends in an error response: the HTTP status and the message the client sees
 * as {@code {"error": message}}. Never carries payload data or stack traces.
 */
public final class HttpProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public HttpProblem(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public HttpProblem(int status, String message, Throwable cause) {
        super(message, cause, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static HttpProblem badRequest(String message) {
        return new HttpProblem(400, message);
    }

    public static HttpProblem deadline(String message) {
        return new HttpProblem(504, message);
    }
}
