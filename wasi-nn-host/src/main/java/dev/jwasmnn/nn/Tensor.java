package dev.jwasmnn.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A dense, row-major tensor whose bytes are little-endian, as wasi-nn guests lay them out.
 * Immutable: {@link #data()} hands out read-only views.
 */
public final class Tensor {
    private final TensorType type;
    private final long[] shape;
    private final ByteBuffer data;

    private Tensor(TensorType type, long[] shape, ByteBuffer data) {
        this.type = type;
        this.shape = shape;
        this.data = data;
    }

    /**
     * Wraps {@code data} (from its position to its limit) without copying.
     *
     * @throws WasiNnException invalid_argument when the byte length does not match the shape
     */
    public static Tensor of(TensorType type, long[] shape, ByteBuffer data) {
        long[] dims = shape.clone();
        checkByteLength(type, dims, data.remaining());
        return new Tensor(type, dims, data.slice().order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer());
    }

    public static Tensor of(TensorType type, long[] shape, byte[] data) {
        return of(type, shape, ByteBuffer.wrap(data));
    }

    /** invalid_argument unless {@code length} is exactly the bytes a tensor of this type and shape needs. */
    public static void checkByteLength(TensorType type, long[] shape, long length) {
        long expected = byteLength(type, shape);
        if (expected != length) {
            throw WasiNnException.invalidArgument(
                    "%s tensor of shape %s needs %d bytes, got %d", type, Arrays.toString(shape), expected, length);
        }
    }

    /** Bytes a tensor of this type and shape occupies; invalid_argument on negative dims or overflow. */
    public static long byteLength(TensorType type, long[] shape) {
        return Math.multiplyExact(elementCount(shape), (long) type.byteSize());
    }

    /** Product of the dimensions (1 for a scalar); invalid_argument on negative dims or overflow. */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw WasiNnException.invalidArgument("negative dimension in shape %s", Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw WasiNnException.invalidArgument("shape %s overflows", Arrays.toString(shape));
            }
        }
        return n;
    }

    public TensorType type() {
        return type;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    public long elementCount() {
        return elementCount(shape);
    }

    public int byteLength() {
        return data.remaining();
    }

    /** A read-only little-endian view of the bytes, positioned at 0. */
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Copies the bytes out. */
    public byte[] toByteArray() {
        byte[] out = new byte[data.remaining()];
        data.duplicate().get(out);
        return out;
    }

    @Override
    public String toString() {
        return "Tensor[" + type + " " + Arrays.toString(shape) + ", " + data.remaining() + " bytes]";
    }
}
