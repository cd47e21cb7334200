package dev.jwasmnn.server.oip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorSpec;
import dev.jwasmnn.nn.TensorType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import org.assertj.core.api.AbstractThrowableAssert;

/** Builders for request bodies and tensors shared by the codec tests. */
final class TestBodies {
    private TestBodies() {}

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Single quotes stand in for double quotes to keep JSON in Java strings readable. */
    static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static byte[] floats(float... v) {
        ByteBuffer b = le(v.length * 4);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    static byte[] doubles(double... v) {
        ByteBuffer b = le(v.length * 8);
        for (double d : v) b.putDouble(d);
        return b.array();
    }

    static byte[] ints(int... v) {
        ByteBuffer b = le(v.length * 4);
        for (int i : v) b.putInt(i);
        return b.array();
    }

    static byte[] longs(long... v) {
        ByteBuffer b = le(v.length * 8);
        for (long l : v) b.putLong(l);
        return b.array();
    }

    static byte[] halves(float... v) {
        ByteBuffer b = le(v.length * 2);
        for (float f : v) b.putShort(Float.floatToFloat16(f));
        return b.array();
    }

    static TensorSpec spec(String name, TensorType type, long... shape) {
        return new TensorSpec(name, type, type.name().toLowerCase(), shape);
    }

    static Tensor tensor(TensorType type, long[] shape, byte[] data) {
        return Tensor.of(type, shape, data);
    }

    /** Decodes plain JSON (no Inference-Header-Content-Length). */
    static InferRequest decodeJson(String singleQuoted) {
        return InferRequestDecoder.decode(utf8(json(singleQuoted)), OptionalInt.empty(), List.of());
    }

    /** Decodes a JSON header followed by binary parts, sending the header length. */
    static InferRequest decodeBinary(String singleQuotedHeader, byte[]... parts) {
        byte[] header = utf8(json(singleQuotedHeader));
        return InferRequestDecoder.decode(concat(header, concat(parts)), OptionalInt.of(header.length), List.of());
    }

    static AbstractThrowableAssert<?, ? extends Throwable> assertRejected(String singleQuoted) {
        return assertThatThrownBy(() -> decodeJson(singleQuoted))
                .isInstanceOf(OipException.class)
                .satisfies(e -> assertThat(((OipException) e).status()).isEqualTo(400));
    }
}
