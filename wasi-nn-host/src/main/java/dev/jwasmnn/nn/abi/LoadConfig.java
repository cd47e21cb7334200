package dev.jwasmnn.nn.abi;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jwasmnn.nn.GraphEncoding;
import dev.jwasmnn.nn.WasiNnException;
import dev.jwasmnn.nn.registry.GraphRequest;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The config of {@code load_by_name_with_config}: empty, or a UTF-8 JSON object with
 * <ul>
 *   <li>{@code "version"}: a positive integer, to pin a model version instead of the current one;</li>
 *   <li>{@code "encoding"}: an encoding name ("onnx", "pytorch" ...) the graph must have.</li>
 * </ul>
 * Anything else is invalid_argument, so a typo never passes silently.
 */
final class LoadConfig {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private LoadConfig() {}

    static GraphRequest parse(String name, byte[] config) {
        String text = new String(config, StandardCharsets.UTF_8).trim();
        if (text.isEmpty()) {
            return GraphRequest.byName(name);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw WasiNnException.invalidArgument("config is not valid JSON: %s", e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw WasiNnException.invalidArgument("config must be a JSON object");
        }
        OptionalLong version = OptionalLong.empty();
        Optional<GraphEncoding> encoding = Optional.empty();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            switch (field.getKey()) {
                case "version" -> {
                    if (!value.canConvertToExactIntegral() || value.asLong() < 1) {
                        throw WasiNnException.invalidArgument("config \"version\" must be a positive integer");
                    }
                    version = OptionalLong.of(value.asLong());
                }
                case "encoding" -> {
                    if (!value.isTextual()) {
                        throw WasiNnException.invalidArgument("config \"encoding\" must be a string");
                    }
                    try {
                        encoding = Optional.of(GraphEncoding.parse(value.asText()));
                    } catch (IllegalArgumentException e) {
                        throw WasiNnException.invalidArgument("config: %s", e.getMessage());
                    }
                }
                default -> throw WasiNnException.invalidArgument(
                        "config key \"%s\" is not recognised (allowed: version, encoding)", field.getKey());
            }
        }
        return new GraphRequest(name, version, encoding);
    }
}
