package dev.jwasmnn.preprocess;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.preprocess.spi.Postprocessor;
import dev.jwasmnn.preprocess.spi.Preprocessor;
import dev.jwasmnn.preprocess.spi.StepContext;
import dev.jwasmnn.preprocess.spi.StepOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model's pre- and postprocessing, built once per version from its config: request body to
 * input tensors, output tensors to the JSON answer. Thread-safe.
 */
public final class Pipeline {
    private final Preprocessor pre;
    private final Postprocessor post;

    private Pipeline(Preprocessor pre, Postprocessor post) {
        this.pre = pre;
        this.post = post;
    }

    /**
     * @param pre step name and options, or null
     * @param post step name and options, or null
     * @throws IllegalArgumentException for an unknown step, a step of the wrong kind, or a bad option
     */
    public static Pipeline build(Map.Entry<String, Map<String, Object>> pre, Map.Entry<String, Map<String, Object>> post,
            Path modelDir) {
        Steps steps = Steps.discover();
        Preprocessor p = null;
        Postprocessor q = null;
        if (pre != null) {
            p = steps.get(pre.getKey()).preprocessor(new StepOptions(pre.getKey(), pre.getValue(), modelDir));
            if (p == null) {
                throw new IllegalArgumentException("pipeline step '" + pre.getKey() + "' is not a preprocessing step");
            }
        }
        if (post != null) {
            q = steps.get(post.getKey()).postprocessor(new StepOptions(post.getKey(), post.getValue(), modelDir));
            if (q == null) {
                throw new IllegalArgumentException("pipeline step '" + post.getKey() + "' is not a postprocessing step");
            }
        }
        return new Pipeline(p, q);
    }

    public Optional<Preprocessor> pre() {
        return Optional.ofNullable(pre);
    }

    public Optional<Postprocessor> post() {
        return Optional.ofNullable(post);
    }

    public List<Tensor> preprocess(byte[] body, String contentType, StepContext context) {
        return pre.apply(body, contentType, context);
    }

    public JsonNode postprocess(List<Tensor> outputs, StepContext context) {
        return post.apply(outputs, context);
    }
}
