package dev.jwasmnn.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jwasmnn.testing.TestAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --watch}: folders that appear, change and vanish are loaded, reloaded and unloaded. */
class WatchTest {
    private static final String[] RAW = {"Inference-Header-Content-Length", "0"};

    @Test
    void theRepositoryIsFollowed(@TempDir Path repo) throws Exception {
        try (TestServer t = new TestServer(repo, s -> s.withWatch(Duration.ofMillis(100)))) {
            // A writer stages a model in a hidden folder and renames it into place: one atomic step.
            Path staging = repo.resolve(".incoming");
            Files.createDirectories(staging.resolve("1"));
            Files.copy(TestAssets.model("tiny.onnx"), staging.resolve("1/model.onnx"));
            Files.move(staging, repo.resolve("watched"), StandardCopyOption.ATOMIC_MOVE);
            await(() -> t.post("/v2/models/watched/infer", TestServer.f32(1, 1, 1, 1), RAW).statusCode() == 200);

            Path v2 = repo.resolve(".v2");
            Files.createDirectories(v2);
            Files.copy(TestAssets.model("tiny_b.onnx"), v2.resolve("model.onnx"));
            Files.move(v2, repo.resolve("watched/2"), StandardCopyOption.ATOMIC_MOVE);
            await(() -> TestServer.outputFloats(t.post("/v2/models/watched/infer", TestServer.f32(1, 1, 1, 1), RAW))[0] == 2f);

            try (Stream<Path> files = Files.walk(repo.resolve("watched"))) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
            await(() -> t.post("/v2/models/watched/infer", TestServer.f32(1, 1, 1, 1), RAW).statusCode() >= 400);
            assertThat(t.post("/v2/models/tiny/infer", TestServer.f32(1, 1, 1, 1), RAW).statusCode()).isEqualTo(200);
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < until) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the watcher did not apply the change within 20 s");
    }
}
