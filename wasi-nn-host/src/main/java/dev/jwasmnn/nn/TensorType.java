package dev.jwasmnn.nn;

/**
 * Element types a tensor can carry across the wasi-nn boundary. The guest-facing numbering is
 * ambiguous between ABI generations, so the numeric codes live in
 * {@link dev.jwasmnn.nn.abi.TensorTypeNumbering}, not here.
 */
public enum TensorType {
    F16(2),
    F32(4),
    F64(8),
    U8(1),
    I32(4),
    I64(8);

    private final int byteSize;

    TensorType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }
}
