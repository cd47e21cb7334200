package dev.jwasmnn.preprocess.guest;

/** Result codes of the {@code jwasm_cv} functions, as guests see them. */
public enum CvErrno {
    SUCCESS(0),
    INVALID_ARGUMENT(1),
    /** The model's config does not grant this guest {@code jwasm_cv} ({@code guest.allow_cv}). */
    PERMISSION_DENIED(2),
    UNSUPPORTED_MEDIA(3),
    IMAGE_TOO_LARGE(4),
    /** The output buffer is too small; the needed size was written to the length out-pointer. */
    BUFFER_TOO_SMALL(5),
    RUNTIME_ERROR(6);

    private final int code;

    CvErrno(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    static CvErrno fromStatus(int httpStatus) {
        return switch (httpStatus) {
            case 413 -> IMAGE_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA;
            case 400 -> INVALID_ARGUMENT;
            default -> RUNTIME_ERROR;
        };
    }
}
