package dev.jwasmnn.nn;

import java.util.Locale;

/**
 * What loading a graph does when the GPU target is asked for and no usable GPU exists. Set per
 * server (backend setting {@code gpu_policy}) and per model (the model's {@code gpu_policy}).
 */
public enum GpuPolicy {
    /** The load fails with wasi-nn {@code runtime_error}, and the log names what is missing. */
    FAIL,
    /** The graph loads on the CPU; a warning names what is missing. */
    FALLBACK;

    /** Parses {@code fail} or {@code fallback}, case-insensitively. */
    public static GpuPolicy parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "fail" -> FAIL;
            case "fallback" -> FALLBACK;
            default -> throw new IllegalArgumentException("unknown gpu policy '" + name + "' (expected fail or fallback)");
        };
    }
}
