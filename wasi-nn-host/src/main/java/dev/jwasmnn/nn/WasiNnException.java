package dev.jwasmnn.nn;

/**
 * A failure that maps to one wasi-nn errno. Backends and the graph registry throw it; the ABI
 * layer turns it into the return code, so it never reaches the guest as a trap.
 */
public class WasiNnException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final NnErrno errno;

    public WasiNnException(NnErrno errno, String message) {
        super(message);
        this.errno = errno;
    }

    public WasiNnException(NnErrno errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    public NnErrno errno() {
        return errno;
    }

    public static WasiNnException invalidArgument(String format, Object... args) {
        return new WasiNnException(NnErrno.INVALID_ARGUMENT, String.format(format, args));
    }

    public static WasiNnException notFound(String format, Object... args) {
        return new WasiNnException(NnErrno.NOT_FOUND, String.format(format, args));
    }

    public static WasiNnException runtimeError(String message, Throwable cause) {
        return new WasiNnException(NnErrno.RUNTIME_ERROR, message, cause);
    }

    public static WasiNnException unsupported(String format, Object... args) {
        return new WasiNnException(NnErrno.UNSUPPORTED_OPERATION, String.format(format, args));
    }

    @Override
    public String getMessage() {
        return errno.abiName() + ": " + super.getMessage();
    }

    /** The message without the errno prefix. */
    public String reason() {
        return super.getMessage();
    }
}
