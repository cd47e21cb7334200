package dev.jwasmnn.preprocess.post;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.preprocess.spi.Postprocessor;
import dev.jwasmnn.preprocess.spi.StepContext;
import dev.jwasmnn.preprocess.spi.StepOptions;
import java.util.List;

/**
 * Classification answers from output 0: the k best classes with their scores (softmax of the
 * logits unless {@code softmax: false}) and labels. {@code {"top":[{"class":c,"score":s,"label":l}]}};
 * for a batch of more than one, {@code {"predictions":[{"top":[...]}, ...]}}. k = 1 is argmax.
 */
final class TopK implements Postprocessor {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private final int k;
    private final boolean softmax;
    private final Labels labels;
    private final String step;

    TopK(int k, boolean softmax, Labels labels, String step) {
        this.k = k;
        this.softmax = softmax;
        this.labels = labels;
        this.step = step;
    }

    static TopK from(StepOptions o, int defaultK) {
        return new TopK(o.integer("k", defaultK, 1, 100_000), o.flag("softmax", true),
                Labels.read(o.file("labels"), o.step()), o.step());
    }

    @Override
    public JsonNode apply(List<Tensor> outputs, StepContext context) {
        float[][] rows = Scores.rows(outputs.get(0), step);
        if (rows.length == 1) {
            return top(rows[0]);
        }
        ObjectNode result = JSON.objectNode();
        ArrayNode predictions = result.putArray("predictions");
        for (float[] row : rows) {
            predictions.add(top(row));
        }
        return result;
    }

    ObjectNode top(float[] logits) {
        float[] scores = softmax ? Scores.softmax(logits) : logits;
        int[] best = best(scores, Math.min(k, scores.length));
        ObjectNode result = JSON.objectNode();
        ArrayNode top = result.putArray("top");
        for (int c : best) {
            ObjectNode e = top.addObject();
            e.put("class", c);
            e.put("score", scores[c]);
            String label = labels.of(c);
            if (label != null) {
                e.put("label", label);
            }
        }
        return result;
    }

    /** Indices of the k highest scores, highest first; ties keep the lower index first; NaN last. */
    static int[] best(float[] scores, int k) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> {
            float x = scores[a];
            float y = scores[b];
            if (Float.isNaN(x) != Float.isNaN(y)) {
                return Float.isNaN(x) ? 1 : -1;
            }
            int c = Float.compare(y, x);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = order[i];
        }
        return out;
    }
}
