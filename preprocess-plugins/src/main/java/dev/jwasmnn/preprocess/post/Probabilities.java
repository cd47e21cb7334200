package dev.jwasmnn.preprocess.post;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.preprocess.spi.Postprocessor;
import dev.jwasmnn.preprocess.spi.StepContext;
import java.util.List;

/**
 * Every class's probability from output 0: the softmax of each row,
 * {@code {"probabilities":[p0, p1, ...]}}, or a list of such lists for a batch.
 */
final class Probabilities implements Postprocessor {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private final String step;

    Probabilities(String step) {
        this.step = step;
    }

    @Override
    public JsonNode apply(List<Tensor> outputs, StepContext context) {
        float[][] rows = Scores.rows(outputs.get(0), step);
        ObjectNode result = JSON.objectNode();
        ArrayNode all = result.putArray("probabilities");
        for (float[] row : rows) {
            ArrayNode target = rows.length == 1 ? all : all.addArray();
            for (float p : Scores.softmax(row)) {
                target.add(p);
            }
        }
        return result;
    }
}
