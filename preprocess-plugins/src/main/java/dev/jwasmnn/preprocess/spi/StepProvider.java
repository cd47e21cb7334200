package dev.jwasmnn.preprocess.spi;

/**
 * A named pre- or postprocessing step, found with {@link java.util.ServiceLoader}: register an
 * implementation in {@code META-INF/services/dev.jwasmnn.preprocess.spi.StepProvider}. A model's
 * config names steps under {@code pipeline: {pre: ..., post: ...}}.
 */
public interface StepProvider {

    /** The name used in config, e.g. {@code image} or {@code topk}. */
    String name();

    /** A preprocessor from these options, or null if this step is not a preprocessor. */
    default Preprocessor preprocessor(StepOptions options) {
        return null;
    }

    /** A postprocessor from these options, or null if this step is not a postprocessor. */
    default Postprocessor postprocessor(StepOptions options) {
        return null;
    }
}
