package dev.jwasmnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jwasmnn.testing.TestAssets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the container images do: libtorch unpacked ahead of time by {@code LibTorchNatives}, then
 * a run given {@code pytorch.library_dir} loads it from there and unpacks nothing of its own.
 */
class PyTorchLibraryDirTest {

    @Test
    void aRunUsesLibTorchUnpackedAheadOfTime(@TempDir Path work) throws Exception {
        Path libraries = work.resolve("libtorch");
        Process unpack = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.jwasmnn.nn.backend.pytorch.LibTorchNatives",
                libraries.toString()).redirectErrorStream(true).start();
        String unpackOut = new String(unpack.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(unpack.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(unpack.exitValue()).as(unpackOut).isZero();
        Path unpacked = Path.of(unpackOut.strip());
        assertThat(unpacked.getParent()).isEqualTo(libraries);
        assertThat(unpacked.resolve("libtorch.so")).isRegularFile();

        Path cache = Files.createDirectories(work.resolve("djl-cache"));
        Path models = TestAssets.models();
        CliProcess p = CliProcess.run(List.of(),
                Map.of("jwasmnn.pytorch.cache_dir", cache.toString(), "jwasmnn.pytorch.library_dir", libraries.toString()),
                work, new byte[0],
                "run", "--dir", "/models:" + models,
                "--nn-preload", "mobilenet:PyTorch:CPU:" + models.resolve("mobilenet_v2.pt"),
                TestAssets.guest("pytorch-mobilenet-named").toString(), "mobilenet", "/models/sample-224.bmp");

        assertThat(p.exitCode()).as(p.toString()).isZero();
        assertThat(p.stdout()).contains("1.) [");
        try (Stream<Path> cached = Files.walk(cache)) {
            assertThat(cached.filter(f -> f.getFileName().toString().startsWith("libtorch")).toList())
                    .as("libtorch loaded from the library dir, not unpacked again into the cache").isEmpty();
        }
    }

    @Test
    void aLibraryDirWithoutAnUnpackFailsTheLoadWithTheFix(@TempDir Path work) throws IOException {
        Path empty = Files.createDirectories(work.resolve("nothing-here"));
        Path models = TestAssets.models();
        CliProcess p = CliProcess.run(List.of(), Map.of("jwasmnn.pytorch.library_dir", empty.toString()), work,
                new byte[0], "run", "--dir", "/models:" + models,
                "--nn-preload", "mobilenet:PyTorch:CPU:" + models.resolve("mobilenet_v2.pt"),
                TestAssets.guest("pytorch-mobilenet-named").toString(), "mobilenet", "/models/sample-224.bmp");

        assertThat(p.exitCode()).as(p.toString()).isNotZero();
        assertThat(p.stderr()).contains("holds no unpacked libtorch").contains("LibTorchNatives");
    }
}
