package dev.jwasmnn.preprocess.spi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jwasmnn.nn.Tensor;
import java.util.List;

/** Turns a model's output tensors into the JSON answer. Thread-safe, like {@link Preprocessor}. */
public interface Postprocessor {

    JsonNode apply(List<Tensor> outputs, StepContext context);
}
