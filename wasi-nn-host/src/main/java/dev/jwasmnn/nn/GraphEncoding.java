package dev.jwasmnn.nn;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** Model formats as numbered by the wasi-nn preview1 ABI (WasmEdge extensions included). */
public enum GraphEncoding {
    OPENVINO(0, "OpenVINO"),
    ONNX(1, "ONNX"),
    TENSORFLOW(2, "Tensorflow"),
    PYTORCH(3, "PyTorch"),
    TENSORFLOWLITE(4, "TensorflowLite"),
    AUTODETECT(5, "Autodetect"),
    GGML(6, "GGML");

    private final int code;
    private final String displayName;

    GraphEncoding(int code, String displayName) {
        this.code = code;
        this.displayName = displayName;
    }

    public int code() {
        return code;
    }

    /** The spelling WasmEdge's command line uses, for messages and help. */
    public String displayName() {
        return displayName;
    }

    public static Optional<GraphEncoding> fromCode(int code) {
        for (GraphEncoding e : values()) {
            if (e.code == code) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Parses a name case-insensitively ("onnx", "PyTorch", "pytorch" ...). */
    public static GraphEncoding parse(String name) {
        String wanted = name.trim().toUpperCase(Locale.ROOT);
        for (GraphEncoding e : values()) {
            if (e.name().equals(wanted)) {
                return e;
            }
        }
        throw new IllegalArgumentException(
                "unknown graph encoding '" + name + "' (expected one of " + allowed() + ")");
    }

    static String allowed() {
        return Arrays.stream(values()).map(GraphEncoding::displayName).collect(Collectors.joining(", "));
    }
}
