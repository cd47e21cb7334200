package dev.jwasmnn.preprocess.spi;

import dev.jwasmnn.nn.Tensor;
import java.util.List;

/**
 * Turns a request body into the model's input tensors. Thread-safe: one instance serves every
 * request of a model version. Native memory it uses is released before {@link #apply} returns.
 */
public interface Preprocessor {

    /**
     * @param contentType the request's media type, possibly null
     * @param context carries what later steps need to know about the input (e.g. image geometry)
     * @throws StepException with a 4xx status for input the step refuses
     */
    List<Tensor> apply(byte[] body, String contentType, StepContext context);
}
