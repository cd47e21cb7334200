package dev.jwasmnn.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Element-wise comparison of little-endian tensor bytes: floats within a tolerance, integers exactly. */
public final class TensorAssert {
    private TensorAssert() {}

    public static void assertClose(String what, TensorType type, byte[] actual, byte[] expected, double tolerance) {
        assertThat(actual.length).as("%s byte length", what).isEqualTo(expected.length);
        double[] a = toDoubles(type, actual);
        double[] e = toDoubles(type, expected);
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - e[i]);
            if (Double.isNaN(d) || d > worst) {
                worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                worstAt = i;
            }
        }
        double allowed = isInteger(type) ? 0 : tolerance;
        assertThat(worst)
                .as("%s: largest difference %s at element %d (actual %s, expected %s)", what, worst, worstAt,
                        worstAt >= 0 ? a[worstAt] : 0, worstAt >= 0 ? e[worstAt] : 0)
                .isLessThanOrEqualTo(allowed);
    }

    public static void assertClose(String what, Tensor actual, Tensor expected, double tolerance) {
        assertThat(actual.type()).as("%s type", what).isEqualTo(expected.type());
        assertThat(actual.shape()).as("%s shape", what).containsExactly(expected.shape());
        assertClose(what, actual.type(), actual.toByteArray(), expected.toByteArray(), tolerance);
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a.length).isEqualTo(b.length);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs((double) a[i] - b[i]));
        }
        return worst;
    }

    private static boolean isInteger(TensorType t) {
        return t == TensorType.U8 || t == TensorType.I32 || t == TensorType.I64;
    }

    public static double[] toDoubles(TensorType type, byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int n = raw.length / type.byteSize();
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (type) {
                case F16 -> Float.float16ToFloat(b.getShort());
                case F32 -> b.getFloat();
                case F64 -> b.getDouble();
                case U8 -> Byte.toUnsignedInt(b.get());
                case I32 -> b.getInt();
                case I64 -> b.getLong();
            };
        }
        return out;
    }
}
