package dev.jwasmnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jwasmnn.testing.TestAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DJL never reaches for the network: a PyTorch guest run, started with an empty libtorch cache
 * (the moment DJL would download natives if it were going to), inside a network namespace with
 * no way out, under strace. It succeeds, and the trace shows no IPv4 or IPv6 connection attempt
 * at all: not even a DNS lookup.
 */
class PyTorchOfflineTest {

    @Test
    void aPyTorchRunWithAnEmptyCacheMakesNoNetworkAttempt(@TempDir Path work) throws IOException {
        Path cache = Files.createDirectories(work.resolve("djl-cache"));
        Path trace = work.resolve("trace.txt");
        Path models = TestAssets.models();
        List<String> wrapper = List.of(
                "strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", trace.toString(),
                "unshare", "--net", "--map-root-user");
        CliProcess p = CliProcess.run(wrapper, Map.of("jwasmnn.pytorch.cache_dir", cache.toString()), work, new byte[0],
                "run", "--dir", "/models:" + models,
                "--nn-preload", "mobilenet:PyTorch:CPU:" + models.resolve("mobilenet_v2.pt"),
                TestAssets.guest("pytorch-mobilenet-named").toString(), "mobilenet", "/models/sample-224.bmp");
        assertThat(p.exitCode()).as(p.toString()).isZero();
        assertThat(p.stdout()).contains("1.) [");
        try (Stream<Path> unpacked = Files.walk(cache)) {
            assertThat(unpacked.anyMatch(f -> f.getFileName().toString().startsWith("libtorch")))
                    .as("libtorch unpacked from the bundled jar into the configured cache").isTrue();
        }
        List<String> network = Files.readAllLines(trace).stream()
                .filter(l -> l.contains("AF_INET") || l.contains("AF_INET6") || l.contains("AF_NETLINK"))
                .toList();
        assertThat(network).as("network syscalls in %s", trace).isEmpty();
        assertThat(Files.readAllLines(trace)).as("strace saw the JVM's threads").isNotEmpty();
    }
}
