package dev.jwasmnn.nn.abi;

import dev.jwasmnn.nn.TensorType;
import java.util.Locale;

/**
 * The two guest numberings of {@code tensor_type}. They agree on 0 (F16) and 1 (F32); 2 and 3
 * mean different types; 4 and 5 exist only in the current one.
 */
public enum TensorTypeNumbering {
    /** wasi-nn crate up to 0.5, WasmEdge up to 0.14, Wasmtime up to 14: F16 F32 U8 I32. */
    LEGACY(TensorType.F16, TensorType.F32, TensorType.U8, TensorType.I32),
    /** wasi-nn crate 0.6, wasmedge-wasi-nn, WasmEdge 0.15+, Wasmtime 15+: F16 F32 F64 U8 I32 I64. */
    CURRENT(TensorType.F16, TensorType.F32, TensorType.F64, TensorType.U8, TensorType.I32, TensorType.I64);

    private final TensorType[] types;

    TensorTypeNumbering(TensorType... types) {
        this.types = types;
    }

    /** The type {@code code} means in this numbering, or null if it means nothing. */
    public TensorType decode(int code) {
        return code >= 0 && code < types.length ? types[code] : null;
    }

    /** The code of {@code type}, or -1 when this numbering cannot express it. */
    public int encode(TensorType type) {
        for (int i = 0; i < types.length; i++) {
            if (types[i] == type) {
                return i;
            }
        }
        return -1;
    }

    public static TensorTypeNumbering parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown tensor type numbering '" + name + "' (expected legacy or current)");
        }
    }
}
