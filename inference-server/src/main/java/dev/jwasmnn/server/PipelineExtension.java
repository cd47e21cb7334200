package dev.jwasmnn.server;

import dev.jwasmnn.preprocess.Pipeline;
import dev.jwasmnn.store.VersionExtension;
import dev.jwasmnn.store.config.ModelConfig;
import dev.jwasmnn.store.config.PipelineSpec;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.Map;

/** Builds a version's {@code pipeline:} while it loads, so a bad step or option fails the load. */
final class PipelineExtension implements VersionExtension {

    @Override
    public Object prepare(String model, ModelConfig config, Path modelDir) {
        if (config.pipeline().isEmpty()) {
            return null;
        }
        PipelineSpec spec = config.pipeline().get();
        return Pipeline.build(entry(spec.pre().orElse(null)), entry(spec.post().orElse(null)), modelDir);
    }

    private static Map.Entry<String, Map<String, Object>> entry(PipelineSpec.Step step) {
        return step == null ? null : new AbstractMap.SimpleImmutableEntry<>(step.name(), step.options());
    }
}
