package dev.jwasmnn.store.config;

import java.util.Map;
import java.util.Optional;

/**
 * The {@code pipeline:} of a model's config: at most one preprocessing step that turns the request
 * body into the model's inputs, and at most one postprocessing step that turns its outputs into
 * the answer. Step names and options are the plugins' business; the store only carries them, and
 * the server builds them when the version loads (a bad option fails the load).
 *
 * <pre>
 * pipeline:
 *   pre:  {image: {size: 224, resize: crop}}
 *   post: {topk: {k: 5, labels: labels.txt}}
 * </pre>
 */
public record PipelineSpec(Optional<Step> pre, Optional<Step> post) {

    /** One step: its name and its options as written. */
    public record Step(String name, Map<String, Object> options) {
        public Step {
            options = Map.copyOf(options);
        }
    }
}
