package dev.jwasmnn.server.oip;

import dev.jwasmnn.nn.TensorSpec;
import dev.jwasmnn.nn.TensorType;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** The protocol datatypes this server can carry, each tied to one wasi-nn tensor type. */
public enum OipDatatype {
    FP16(TensorType.F16),
    FP32(TensorType.F32),
    FP64(TensorType.F64),
    UINT8(TensorType.U8),
    INT32(TensorType.I32),
    INT64(TensorType.I64);

    /** Every datatype the protocol defines, supported here or not, to tell "unsupported" from "unknown". */
    private static final Set<String> PROTOCOL_NAMES = Set.of(
            "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64",
            "FP16", "FP32", "FP64", "BYTES");

    private static final String SUPPORTED =
            Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));

    private final TensorType tensorType;

    OipDatatype(TensorType tensorType) {
        this.tensorType = tensorType;
    }

    public TensorType tensorType() {
        return tensorType;
    }

    /** The protocol datatype for a tensor type; every tensor type has one. */
    public static OipDatatype of(TensorType type) {
        return valueOf(type.datatype());
    }

    /** Shorthand for {@code of(type).name()}, which is {@link TensorType#datatype()}. */
    public static String nameOf(TensorType type) {
        return type.datatype();
    }

    /**
     * Parses a request's datatype (case-sensitive, as the protocol spells it).
     *
     * @throws OipException 400 naming the input, the datatype and the supported list
     */
    public static OipDatatype parse(String datatype, String inputName) {
        for (OipDatatype d : values()) {
            if (d.name().equals(datatype)) {
                return d;
            }
        }
        String what = PROTOCOL_NAMES.contains(datatype) ? "unsupported datatype" : "unknown datatype";
        throw OipException.badRequest(
                "input '%s' has %s %s; supported datatypes are %s", inputName, what, datatype, SUPPORTED);
    }

    /** The supported names, comma separated, for messages. */
    public static String supportedList() {
        return SUPPORTED;
    }

    /**
     * The datatype to advertise for a model tensor. Tensors this server cannot carry keep the
     * protocol's name for their native type where there is one (ONNX's "string" is BYTES), else
     * the native name upper-cased, so metadata stays truthful about what the model wants.
     */
    public static String describe(TensorSpec spec) {
        if (spec.type() != null) {
            return nameOf(spec.type());
        }
        String nativeType = spec.nativeType().toLowerCase(Locale.ROOT);
        return switch (nativeType) {
            case "string" -> "BYTES";
            case "float16" -> "FP16";
            case "float" -> "FP32";
            case "double" -> "FP64";
            default -> nativeType.toUpperCase(Locale.ROOT);
        };
    }
}
