package dev.jwasmnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jwasmnn.server.InferenceServer;
import dev.jwasmnn.server.ServerSettings;
import dev.jwasmnn.testing.TestAssets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jwasm-nn models} and {@code deploy} in their own JVM against a real server: reloads
 * that fail keep the old version serving and exit non-zero with the reason, status shows it,
 * deploys land atomically and roll back when the new version does not load.
 */
class ModelsCommandTest {
    private static final String TINY_JSON =
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,1,1,1]}]}";

    @TempDir
    static Path repo;
    @TempDir
    static Path work;

    static InferenceServer server;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(repo.resolve("tiny/1"));
        Files.copy(TestAssets.model("tiny.onnx"), repo.resolve("tiny/1/model.onnx"));
        server = InferenceServer.start(ServerSettings.forTesting(repo).withAdmin("127.0.0.1", Optional.of("tok")), "test");
        admin = "http://127.0.0.1:" + server.adminPort();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static CliProcess models(String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "models";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--server";
        all[args.length + 2] = admin;
        all[args.length + 3] = "--token";
        all[args.length + 4] = "tok";
        return CliProcess.run(work, all);
    }

    private static String infer() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/v2/models/tiny/infer"))
                .POST(HttpRequest.BodyPublishers.ofString(TINY_JSON)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    @Test
    void listStatusAndErrors() {
        CliProcess list = models("list");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stdout()).contains("tiny").contains("READY");
        CliProcess status = models("status", "tiny");
        assertThat(status.stdout()).contains("tiny: READY, versions 1").contains("device: cpu");
        assertThat(models("status", "nope").exitCode()).isEqualTo(1);
        CliProcess noToken = CliProcess.run(work, "models", "list", "--server", admin);
        assertThat(noToken.exitCode()).isEqualTo(4);
        assertThat(noToken.stderr()).contains("--token");
        CliProcess down = CliProcess.run(work, "models", "list", "--server", "http://127.0.0.1:1");
        assertThat(down.exitCode()).isEqualTo(3);
        assertThat(down.stderr()).contains("cannot connect").contains("--server");
    }

    @Test
    void failedReloadsKeepTheOldVersionServing() throws Exception {
        // A corrupt model, a bad config, a guest that does not compile.
        Files.createDirectories(repo.resolve("tiny/2"));
        Files.writeString(repo.resolve("tiny/2/model.onnx"), "corrupt");
        expectFailedReload("version 2");
        Files.delete(repo.resolve("tiny/2/model.onnx"));
        Files.writeString(repo.resolve("tiny/config.yaml"), "concurency: 2\n");
        expectFailedReload("unknown key 'concurency'");
        Files.writeString(repo.resolve("tiny/config.yaml"), "guest: {args: []}\n");
        Files.write(repo.resolve("tiny/guest.wasm"), new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0, 99});
        expectFailedReload("guest.wasm");
        Files.delete(repo.resolve("tiny/guest.wasm"));
        Files.delete(repo.resolve("tiny/config.yaml"));
        CliProcess ok = models("reload", "tiny");
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(models("status", "tiny").stdout()).doesNotContain("last error");
    }

    private static void expectFailedReload(String reason) throws Exception {
        CliProcess r = models("reload", "tiny");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).contains(reason);
        CliProcess status = models("status", "tiny");
        assertThat(status.stdout()).contains("READY, versions 1").contains("last error:").contains(reason);
        assertThat(infer()).startsWith("200 ").contains("[3.0,3.0,3.0,3.0]");
    }

    @Test
    void deployLandsANewVersionOrRollsBack() throws Exception {
        Path good = Files.copy(TestAssets.model("tiny_b.onnx"), work.resolve("tiny_b.onnx"));
        CliProcess d = CliProcess.run(work, "deploy", "--model", "fresh", "--file", good.toString(),
                "--server", admin, "--token", "tok");
        assertThat(d.exitCode()).as(d.toString()).isZero();
        assertThat(d.stdout()).contains("deployed fresh version 1");
        assertThat(repo.resolve("fresh/1/model.onnx")).exists();

        Path bad = work.resolve("bad.onnx");
        Files.writeString(bad, "corrupt");
        CliProcess failed = CliProcess.run(work, "deploy", "--model", "fresh", "--file", bad.toString(),
                "--server", admin, "--token", "tok");
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.stderr()).contains("restored").contains("previous version keeps serving");
        assertThat(repo.resolve("fresh/2")).doesNotExist();
        assertThat(models("status", "fresh").stdout()).contains("READY, versions 1");

        Path guest = TestAssets.guest("raw-infer");
        Path config = work.resolve("config.yaml");
        Files.writeString(config, "guest: {args: [\"--preloaded\", \"{model}\", \"--type\", \"f32\", \"--shape\", \"1,4\"],"
                + " content_type: application/octet-stream}\n");
        CliProcess withGuest = CliProcess.run(work, "deploy", "--model", "fresh", "--guest", guest.toString(),
                "--config", config.toString(), "--server", admin, "--token", "tok");
        assertThat(withGuest.exitCode()).as(withGuest.toString()).isZero();
        assertThat(repo.resolve("fresh/2/guest.wasm")).exists();
        assertThat(repo.resolve("fresh/2/model.onnx")).exists();
        assertThat(models("status", "fresh").stdout()).contains("versions 2").contains("guest: guest.wasm");
        assertThat(Files.list(repo).map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".staging"));
    }

    @Test
    void uploadsCannotEscapeTheRepository() throws Exception {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var zip = new java.util.zip.ZipOutputStream(bytes)) {
            zip.putNextEntry(new java.util.zip.ZipEntry("../../evil.onnx"));
            zip.write(new byte[] {1, 2, 3});
            zip.closeEntry();
        }
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(admin + "/v2/repository/models/tiny/deploy")).header("Authorization", "Bearer tok")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("may hold only");
        assertThat(repo.getParent().resolve("evil.onnx")).doesNotExist();
        HttpResponse<String> badName = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(admin + "/v2/repository/models/..bad/deploy")).header("Authorization", "Bearer tok")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(badName.statusCode()).isEqualTo(400);
    }
}
