package dev.jwasmnn.nn.backend.onnx;

import dev.jwasmnn.nn.GraphEncoding;
import dev.jwasmnn.nn.spi.Backend;
import dev.jwasmnn.nn.spi.BackendProvider;
import dev.jwasmnn.nn.spi.BackendSettings;
import java.util.Set;

/** Registers ONNX Runtime for {@link GraphEncoding#ONNX}. */
public final class OnnxRuntimeBackendProvider implements BackendProvider {
    public static final String NAME = "onnxruntime";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<GraphEncoding> encodings() {
        return Set.of(GraphEncoding.ONNX);
    }

    @Override
    public Backend create(BackendSettings settings) {
        return new OnnxRuntimeBackend(OnnxRuntimeOptions.from(settings));
    }
}
