package dev.jwasmnn.store;

import dev.jwasmnn.nn.TensorType;

/** Open Inference Protocol datatype names of the tensor types wasi-nn carries. */
public final class Datatypes {
    private Datatypes() {}

    public static String name(TensorType t) {
        return switch (t) {
            case F16 -> "FP16";
            case F32 -> "FP32";
            case F64 -> "FP64";
            case U8 -> "UINT8";
            case I32 -> "INT32";
            case I64 -> "INT64";
        };
    }
}
