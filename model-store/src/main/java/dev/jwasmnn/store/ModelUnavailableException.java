package dev.jwasmnn.store;

/** A request for a model or version that is not being served. */
public final class ModelUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** NOT_FOUND: no such model or version; NOT_READY: it exists but is not serving now. */
    public enum Reason { NOT_FOUND, NOT_READY }

    private final Reason reason;

    public ModelUnavailableException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
