package dev.jwasmnn.store;

/** A model or version that could not be loaded; the previous version, if any, keeps serving. */
public final class ModelLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String model;

    public ModelLoadException(String model, String message) {
        super(message);
        this.model = model;
    }

    public ModelLoadException(String model, String message, Throwable cause) {
        super(message, cause);
        this.model = model;
    }

    public String model() {
        return model;
    }
}
