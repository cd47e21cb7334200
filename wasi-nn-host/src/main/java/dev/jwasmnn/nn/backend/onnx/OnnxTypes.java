package dev.jwasmnn.nn.backend.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import dev.jwasmnn.nn.TensorSpec;
import dev.jwasmnn.nn.TensorType;
import java.util.Locale;

/** Maps between ONNX Runtime's Java types and wasi-nn tensor types. */
final class OnnxTypes {
    private OnnxTypes() {}

    /** The wasi-nn type for an ORT element type, or null when wasi-nn cannot carry it. */
    static TensorType toTensorType(OnnxJavaType type) {
        return switch (type) {
            case FLOAT16 -> TensorType.F16;
            case FLOAT -> TensorType.F32;
            case DOUBLE -> TensorType.F64;
            case UINT8 -> TensorType.U8;
            case INT32 -> TensorType.I32;
            case INT64 -> TensorType.I64;
            default -> null;
        };
    }

    static OnnxJavaType toOnnxType(TensorType type) {
        return switch (type) {
            case F16 -> OnnxJavaType.FLOAT16;
            case F32 -> OnnxJavaType.FLOAT;
            case F64 -> OnnxJavaType.DOUBLE;
            case U8 -> OnnxJavaType.UINT8;
            case I32 -> OnnxJavaType.INT32;
            case I64 -> OnnxJavaType.INT64;
        };
    }

    static TensorSpec toSpec(NodeInfo node) {
        if (node.getInfo() instanceof TensorInfo info) {
            return new TensorSpec(
                    node.getName(),
                    toTensorType(info.type),
                    info.onnxType.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "").toLowerCase(Locale.ROOT),
                    info.getShape());
        }
        // Sequences and maps have no wasi-nn representation; keep them visible but unsupported.
        return new TensorSpec(node.getName(), null, node.getInfo().toString(), new long[0]);
    }
}
