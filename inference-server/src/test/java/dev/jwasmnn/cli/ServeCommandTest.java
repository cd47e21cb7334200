package dev.jwasmnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jwasmnn.testing.TestAssets;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jwasm-nn serve} as a user starts it: its own JVM, a YAML config file, real HTTP. */
class ServeCommandTest {
    private static final Pattern LISTENING = Pattern.compile("on http://[^:]+:(\\d+) \\(admin on [^:]+:(\\d+)\\)");

    @Test
    void servesTheRepositoryNamedInTheConfigFile(@TempDir Path dir) throws Exception {
        Path repo = dir.resolve("repo");
        Files.createDirectories(repo.resolve("tiny/1"));
        Files.copy(TestAssets.model("tiny.onnx"), repo.resolve("tiny/1/model.onnx"));
        Path config = dir.resolve("serve.yaml");
        Files.writeString(config, """
                server:
                  host: 127.0.0.1
                  port: 0
                  max-body: 1k
                admin:
                  port: 0
                models:
                  repository: %s
                """.formatted(repo));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "serve", "--config", config.toString(), "--no-access-log"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Matcher m = null;
            StringBuilder seen = new StringBuilder();
            for (String line; (line = out.readLine()) != null; ) {
                seen.append(line).append('\n');
                Matcher candidate = LISTENING.matcher(line);
                if (candidate.find()) {
                    m = candidate;
                    break;
                }
            }
            assertThat(m).as(seen.toString()).isNotNull();
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + m.group(1);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/models/tiny/infer"))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[0,1,2,3]}]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("[1.0,3.0,5.0,7.0]");
            HttpResponse<String> big = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/models/tiny/infer"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[2048])).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(big.statusCode()).isEqualTo(413);
            assertThat(big.body()).contains("\"error\"");
            HttpResponse<String> index = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + m.group(2) + "/v2/repository/index"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(index.body()).contains("\"name\":\"tiny\"").contains("\"state\":\"READY\"");
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void aMissingRepositoryIsAUsageError(@TempDir Path dir) {
        CliProcess r = CliProcess.run(dir, "serve", "--models", dir.resolve("nope").toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("is not a directory");
        CliProcess none = CliProcess.run(dir, "serve");
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.stderr()).contains("--models DIR");
    }
}
