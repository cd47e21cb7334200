package dev.jwasmnn.nn.backend.pytorch;

import ai.djl.ndarray.types.DataType;
import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.nn.WasiNnException;

/** The six wasi-nn tensor types and DJL's data types. */
final class PyTorchTypes {
    private PyTorchTypes() {}

    static DataType toDjl(TensorType type) {
        return switch (type) {
            case F16 -> DataType.FLOAT16;
            case F32 -> DataType.FLOAT32;
            case F64 -> DataType.FLOAT64;
            case U8 -> DataType.UINT8;
            case I32 -> DataType.INT32;
            case I64 -> DataType.INT64;
        };
    }

    /** The wasi-nn type of an output; booleans travel as U8 (0 or 1), the same bytes. */
    static TensorType fromDjl(DataType type, int outputIndex) {
        return switch (type) {
            case FLOAT16 -> TensorType.F16;
            case FLOAT32 -> TensorType.F32;
            case FLOAT64 -> TensorType.F64;
            case UINT8, BOOLEAN -> TensorType.U8;
            case INT32 -> TensorType.I32;
            case INT64 -> TensorType.I64;
            default -> throw WasiNnException.unsupported(
                    "output %d has element type %s, which wasi-nn cannot carry", outputIndex, type);
        };
    }

    /** libtorch's messages carry a C++ backtrace after the first line; errnos and logs get the first. */
    static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
