package dev.jwasmnn.nn;

/**
 * Element types a tensor can carry across the wasi-nn boundary. The guest-facing numbering is
 * ambiguous between ABI generations, so the numeric codes live in
 * {@link dev.jwasmnn.nn.abi.TensorTypeNumbering}, not here.
 */
public enum TensorType {
    F16(2, "FP16"),
    F32(4, "FP32"),
    F64(8, "FP64"),
    U8(1, "UINT8"),
    I32(4, "INT32"),
    I64(8, "INT64");

    private final int byteSize;
    private final String datatype;

    TensorType(int byteSize, String datatype) {
        this.byteSize = byteSize;
        this.datatype = datatype;
    }

    /**
     * The name the Open Inference Protocol (KServe V2, Triton) and model configs use for this
     * type, e.g. {@code FP32}.
     */
    public String datatype() {
        return datatype;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }
}
