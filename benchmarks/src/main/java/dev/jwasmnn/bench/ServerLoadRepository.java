package dev.jwasmnn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A throw-away model repository for the load test, so the bundled build/repository (whose
 * mobilenet has the classify guest and other limits) stays untouched. Each model appears twice:
 * plain, and as {@code <name>-guest} behind raw-infer. Every model gets a queue deep enough for
 * c=32, so a full queue never shows up as 503s; concurrency as {@link ServerLoadModel} says.
 */
final class ServerLoadRepository implements AutoCloseable {
    private static final String QUEUE = "max_queue: 256\n";

    private final Path root;

    private ServerLoadRepository(Path root) {
        this.root = root;
    }

    static ServerLoadRepository create(List<ServerLoadModel> models, Path rawInferGuest) throws IOException {
        ServerLoadRepository repo = new ServerLoadRepository(Files.createTempDirectory("jwasmnn-load-repo"));
        try {
            for (ServerLoadModel m : models) {
                repo.model(m.name(), m.onnx(), QUEUE + m.concurrencyConfig());
                Path guestDir = repo.model(m.guestName(), m.onnx(), guestConfig(m));
                Files.copy(rawInferGuest, guestDir.resolve("guest.wasm"));
            }
            return repo;
        } catch (IOException | RuntimeException e) {
            repo.close();
            throw e;
        }
    }

    private Path model(String name, Path onnx, String config) throws IOException {
        Path dir = root.resolve(name);
        Files.createDirectories(dir.resolve("1"));
        Files.copy(onnx, dir.resolve("1/model.onnx"));
        Files.writeString(dir.resolve("config.yaml"), config);
        return dir;
    }

    private static String guestConfig(ServerLoadModel m) {
        return "guest:\n"
                + "  args: [\"--preloaded\", \"{model}\", \"--type\", \"f32\", \"--shape\", \"" + m.shapeArg() + "\"]\n"
                + "  content_type: application/octet-stream\n"
                + "  memory: " + m.guestMemory() + "\n"
                + QUEUE + m.concurrencyConfig();
    }

    Path root() {
        return root;
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
