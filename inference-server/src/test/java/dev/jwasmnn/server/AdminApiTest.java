package dev.jwasmnn.server;

import static dev.jwasmnn.server.TestServer.f32;
import static dev.jwasmnn.server.TestServer.outputFloats;
import static dev.jwasmnn.server.TestServer.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin listener: token, name checks, load/reload/unload over real HTTP. */
class AdminApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] RAW = {"Inference-Header-Content-Length", "0"};

    private static HttpResponse<byte[]> admin(TestServer t, String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(t.admin(path)).POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return t.send(b.build());
    }

    @Test
    void theTokenIsRequiredAndNamesAreChecked(@TempDir Path repo) throws Exception {
        try (TestServer t = new TestServer(repo, s -> s.withAdmin("127.0.0.1", Optional.of("s3cret")))) {
            assertThat(admin(t, "/v2/repository/index", null).statusCode()).isEqualTo(401);
            assertThat(admin(t, "/v2/repository/index", "wrong").statusCode()).isEqualTo(401);
            HttpResponse<byte[]> index = admin(t, "/v2/repository/index", "s3cret");
            assertThat(index.statusCode()).isEqualTo(200);
            JsonNode models = JSON.readTree(index.body());
            assertThat(models.findValuesAsText("name")).contains("tiny", "mobilenet");
            assertThat(models.get(0).get("state").asText()).isEqualTo("READY");
            assertThat(models.get(0).get("version").asText()).isEqualTo("1");
            // A bare ".." segment is resolved away before routing (RFC 3986): models/../load is a
            // request for /v2/repository/load, which does not exist.
            assertThat(admin(t, "/v2/repository/models/../load", "s3cret").statusCode()).isEqualTo(404);
            for (String bad : new String[] {"a..b", "x%20y", "..x", "a%2Fb", "a/b", "%2e%2e%2Fetc", "-x"}) {
                HttpResponse<byte[]> r = admin(t, "/v2/repository/models/" + bad + "/load", "s3cret");
                assertThat(r.statusCode()).as(bad + ": " + text(r)).isEqualTo(400);
                assertThat(text(r)).contains("error");
            }
            assertThat(admin(t, "/v2/repository/models/a..b/load", "s3cret").statusCode()).isEqualTo(400);
            assertThat(admin(t, "/v2/repository/models/nope/load", "s3cret").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aNonLoopbackAdminListenerNeedsAToken(@TempDir Path repo) {
        assertThatThrownBy(() -> new TestServer(repo, s -> s.withAdmin("0.0.0.0", Optional.empty())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not loopback").hasMessageContaining("token");
    }

    @Test
    void aFailedReloadKeepsServingAndUnloadStopsServing(@TempDir Path repo) throws Exception {
        try (TestServer t = new TestServer(repo, s -> s)) {
            Files.createDirectories(repo.resolve("tiny/2"));
            Files.writeString(repo.resolve("tiny/2/model.onnx"), "corrupt");
            HttpResponse<byte[]> failed = admin(t, "/v2/repository/models/tiny/reload", null);
            assertThat(failed.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(failed.body()).get("error").asText()).contains("version 2");
            JsonNode status = JSON.readTree(t.send(HttpRequest.newBuilder(t.admin("/v2/repository/models/tiny/status"))
                    .GET().build()).body());
            assertThat(status.get("state").asText()).isEqualTo("READY");
            assertThat(status.get("reason").asText()).contains("version 2");
            assertThat(outputFloats(t.post("/v2/models/tiny/infer", f32(1, 1, 1, 1), RAW))).containsExactly(3, 3, 3, 3);

            assertThat(admin(t, "/v2/repository/models/tiny/unload", null).statusCode()).isEqualTo(200);
            assertThat(t.post("/v2/models/tiny/infer", f32(1, 1, 1, 1), RAW).statusCode()).isEqualTo(503);
            assertThat(t.get("/v2/models/tiny/ready").statusCode()).isEqualTo(400);
            // An unloaded model is the operator's choice: the server stays ready for the others.
            assertThat(t.get("/v2/health/ready").statusCode()).isEqualTo(200);

            Files.delete(repo.resolve("tiny/2/model.onnx"));
            assertThat(admin(t, "/v2/repository/models/tiny/load", null).statusCode()).isEqualTo(200);
            assertThat(outputFloats(t.post("/v2/models/tiny/infer", f32(1, 1, 1, 1), RAW))).containsExactly(3, 3, 3, 3);
        }
    }

    @Test
    void aModelThatFailedToLoadKeepsTheServerUnreadyUntilItLoadsOrIsUnloaded(@TempDir Path repo) throws Exception {
        Files.createDirectories(repo.resolve("broken/1"));
        Files.writeString(repo.resolve("broken/1/model.onnx"), "not an onnx file");
        try (TestServer t = new TestServer(repo, s -> s)) {
            HttpResponse<byte[]> ready = t.get("/v2/health/ready");
            assertThat(ready.statusCode()).as(text(ready)).isEqualTo(400);
            assertThat(JSON.readTree(ready.body()).get("ready").asBoolean()).isFalse();
            // The others serve meanwhile.
            assertThat(outputFloats(t.post("/v2/models/tiny/infer", f32(1, 1, 1, 1), RAW))).containsExactly(3, 3, 3, 3);

            HttpResponse<byte[]> unloaded = admin(t, "/v2/repository/models/broken/unload", null);
            assertThat(unloaded.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(unloaded.body()).get("state").asText()).isEqualTo("UNAVAILABLE");
            assertThat(t.get("/v2/health/ready").statusCode()).isEqualTo(200);

            // A folder that appears later, with no watch, is not loaded and does not count.
            Files.createDirectories(repo.resolve("later/1"));
            Files.copy(repo.resolve("tiny/1/model.onnx"), repo.resolve("later/1/model.onnx"));
            assertThat(t.get("/v2/health/ready").statusCode()).isEqualTo(200);

            // A fixed model loaded through the API makes the server whole again either way.
            Files.copy(repo.resolve("tiny/1/model.onnx"), repo.resolve("broken/1/model.onnx"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertThat(admin(t, "/v2/repository/models/broken/load", null).statusCode()).isEqualTo(200);
            assertThat(t.get("/v2/health/ready").statusCode()).isEqualTo(200);
            assertThat(t.get("/v2/models/broken/ready").statusCode()).isEqualTo(200);
        }
    }
}
