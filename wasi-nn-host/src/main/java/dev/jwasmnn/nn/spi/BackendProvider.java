package dev.jwasmnn.nn.spi;

import dev.jwasmnn.nn.GraphEncoding;
import java.util.Set;

/**
 * Entry point of an inference backend, found with {@link java.util.ServiceLoader}. Providers are
 * cheap to construct; native libraries load only when {@link #create} is called, so a server that
 * never sees a PyTorch model never pays for libtorch.
 *
 * <p>Register an implementation in {@code META-INF/services/dev.jwasmnn.nn.spi.BackendProvider}.
 */
public interface BackendProvider {

    /** Short, stable name used in settings and logs, e.g. {@code onnxruntime}. */
    String name();

    /** The encodings this backend loads. */
    Set<GraphEncoding> encodings();

    /** Starts the backend; may load native libraries. */
    Backend create(BackendSettings settings);
}
