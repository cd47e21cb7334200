package dev.jwasmnn.nn;

import java.util.Locale;
import java.util.Optional;

/** Where a graph runs, as numbered by the wasi-nn preview1 ABI; AUTO (3) is the WasmEdge addition. */
public enum ExecutionTarget {
    CPU(0),
    GPU(1),
    TPU(2),
    AUTO(3);

    private final int code;

    ExecutionTarget(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Optional<ExecutionTarget> fromCode(int code) {
        for (ExecutionTarget t : values()) {
            if (t.code == code) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Parses a name case-insensitively ("CPU", "gpu", "Auto"). */
    public static ExecutionTarget parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown execution target '" + name + "' (expected one of CPU, GPU, TPU, AUTO)");
        }
    }
}
