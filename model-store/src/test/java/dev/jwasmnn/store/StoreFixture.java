package dev.jwasmnn.store;

import dev.jwasmnn.guest.GuestRunner;
import dev.jwasmnn.nn.abi.WasiNn;
import dev.jwasmnn.nn.abi.WasiNnConfig;
import dev.jwasmnn.nn.registry.Backends;
import dev.jwasmnn.nn.spi.BackendSettings;
import dev.jwasmnn.testing.TestAssets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A real repository in a temp folder, real backends and a real guest runner. */
final class StoreFixture implements AutoCloseable {
    final Path repo;
    final Backends backends;
    final GuestRunner runner;
    final ModelStore store;

    StoreFixture(Path repo) {
        this(repo, BackendSettings.defaults());
    }

    StoreFixture(Path repo, BackendSettings settings) {
        this.repo = repo;
        this.backends = Backends.discover(settings);
        this.runner = GuestRunner.builder()
                .extension(new WasiNn(WasiNnConfig.builder(backends).allowGuestModels(false).build()))
                .build();
        this.store = new ModelStore(new ModelRepository(repo), backends, runner);
    }

    /** Copies a test model into {@code <repo>/<model>/<version>/model.onnx} (or {@code model.pt}). */
    Path version(String model, long version, String testModelFile) {
        Path dir = repo.resolve(model).resolve(Long.toString(version));
        try {
            Files.createDirectories(dir);
            String ext = testModelFile.substring(testModelFile.lastIndexOf('.'));
            return Files.copy(TestAssets.model(testModelFile), dir.resolve("model" + ext),
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void write(String relative, String text) {
        write(relative, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    void write(String relative, byte[] bytes) {
        try {
            Path p = repo.resolve(relative);
            Files.createDirectories(p.getParent());
            Files.write(p, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int openGraphs() {
        return backends.started().stream().mapToInt(b -> b.openGraphs()).sum();
    }

    @Override
    public void close() {
        store.close();
        runner.close();
        backends.close();
    }
}
