package dev.jwasmnn.store;

import dev.jwasmnn.store.config.ModelConfig;
import java.nio.file.Path;

/**
 * Something the application builds for each version from its config while it loads, such as a
 * pre/postprocessing pipeline. A failure (any RuntimeException) fails the load with its message,
 * and the previous version keeps serving. The result is handed out with the version.
 */
@FunctionalInterface
public interface VersionExtension {

    /** @return the version's attachment, or null when there is nothing to attach */
    Object prepare(String model, ModelConfig config, Path modelDir);

    VersionExtension NONE = (model, config, dir) -> null;
}
