package dev.jwasmnn.preprocess.spi;

/**
 * A pipeline step refused its input or failed, with the HTTP status that describes it best
 * (400 malformed, 413 too large, 415 unsupported media type, 500 the step itself failed).
 */
public final class StepException extends RuntimeException {
    private final int status;

    public StepException(int status, String message) {
        super(message);
        this.status = status;
    }

    public StepException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
