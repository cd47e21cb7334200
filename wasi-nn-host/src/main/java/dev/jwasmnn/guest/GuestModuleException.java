package dev.jwasmnn.guest;

/** A guest module that cannot be run here: malformed, missing imports, no {@code _start} ... */
public final class GuestModuleException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GuestModuleException(String message) {
        super(message);
    }

    public GuestModuleException(String message, Throwable cause) {
        super(message, cause);
    }
}
