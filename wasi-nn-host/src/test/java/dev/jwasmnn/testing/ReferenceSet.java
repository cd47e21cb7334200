package dev.jwasmnn.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Inputs and torch's outputs for a test model, as described by its {@code <model>.json}. */
public record ReferenceSet(List<Named> inputs, List<Named> outputs) {

    public record Named(String name, Tensor tensor) {}

    public static ReferenceSet load(String model) {
        Path dir = TestAssets.models();
        try {
            JsonNode root = new ObjectMapper().readTree(dir.resolve(model + ".json").toFile());
            return new ReferenceSet(read(dir, root.get("inputs")), read(dir, root.get("outputs")));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Named> read(Path dir, JsonNode list) {
        List<Named> out = new ArrayList<>();
        for (JsonNode n : list) {
            long[] shape = new long[n.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = n.get("shape").get(i).asLong();
            }
            TensorType type = TensorType.valueOf(n.get("dtype").asText());
            out.add(new Named(n.get("name").asText(),
                    Tensor.of(type, shape, TestAssets.bytes(dir.resolve(n.get("file").asText())))));
        }
        return List.copyOf(out);
    }
}
