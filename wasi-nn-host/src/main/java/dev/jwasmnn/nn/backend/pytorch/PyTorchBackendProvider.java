package dev.jwasmnn.nn.backend.pytorch;

import dev.jwasmnn.nn.GraphEncoding;
import dev.jwasmnn.nn.spi.Backend;
import dev.jwasmnn.nn.spi.BackendProvider;
import dev.jwasmnn.nn.spi.BackendSettings;
import java.util.Set;

/** Registers PyTorch (TorchScript through DJL) for {@link GraphEncoding#PYTORCH}. */
public final class PyTorchBackendProvider implements BackendProvider {
    public static final String NAME = "pytorch";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<GraphEncoding> encodings() {
        return Set.of(GraphEncoding.PYTORCH);
    }

    @Override
    public Backend create(BackendSettings settings) {
        return new PyTorchBackend(PyTorchOptions.from(settings));
    }
}
