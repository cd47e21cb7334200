package dev.jwasmnn.preprocess.post;

import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.preprocess.spi.StepException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Reads a float output tensor as rows of scores: [B, N] (or [N], one row). */
final class Scores {
    private Scores() {}

    static float[][] rows(Tensor t, String step) {
        long[] shape = t.shape();
        if (shape.length == 0 || shape.length > 2) {
            throw new StepException(500, "step '" + step + "' expects a [batch, classes] output, got " + java.util.Arrays.toString(shape));
        }
        int batch = shape.length == 2 ? (int) shape[0] : 1;
        int n = (int) shape[shape.length - 1];
        float[] all = floats(t, step);
        float[][] rows = new float[batch][n];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(all, b * n, rows[b], 0, n);
        }
        return rows;
    }

    static float[] floats(Tensor t, String step) {
        ByteBuffer d = t.data().order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) t.elementCount();
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (t.type()) {
                case F32 -> d.getFloat(i * 4);
                case F16 -> Float.float16ToFloat(d.getShort(i * 2));
                case F64 -> (float) d.getDouble(i * 8);
                default -> throw new StepException(500, "step '" + step + "' expects float scores, got " + t.type());
            };
        }
        return out;
    }

    /** Numerically stable softmax. */
    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] out = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = (float) (e[i] / sum);
        }
        return out;
    }
}
