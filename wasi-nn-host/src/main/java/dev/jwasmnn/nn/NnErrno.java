package dev.jwasmnn.nn;

/** The wasi-nn preview1 error codes a host function returns to the guest. */
public enum NnErrno {
    SUCCESS(0),
    INVALID_ARGUMENT(1),
    INVALID_ENCODING(2),
    MISSING_MEMORY(3),
    BUSY(4),
    RUNTIME_ERROR(5),
    UNSUPPORTED_OPERATION(6),
    TOO_LARGE(7),
    NOT_FOUND(8);

    private final int code;

    NnErrno(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The ABI's snake_case name, used in messages so guest authors can match them to their crate. */
    public String abiName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
