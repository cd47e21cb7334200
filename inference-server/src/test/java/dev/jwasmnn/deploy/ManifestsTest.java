package dev.jwasmnn.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.jwasmnn.testing.TestAssets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container and Kubernetes files agree with each other and with the server: they parse,
 * have their required fields, and every port, path, user and metric they name is one the image
 * and the running server actually use (checked against a real server for the HTTP paths).
 */
class ManifestsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path CONTAINERS = TestAssets.root().resolve("containers");

    static JsonNode read(String relative) throws Exception {
        return YAML.readTree(CONTAINERS.resolve(relative).toFile());
    }

    @Test
    void everyManifestParsesAndNamesItsKind() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.walk(CONTAINERS.resolve("k8s"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(8);
        for (Path f : files) {
            JsonNode doc = YAML.readTree(f.toFile());
            if (f.getFileName().toString().equals("prometheus-adapter.yaml")) {
                assertThat(doc.at("/rules/custom/0/seriesQuery").asText()).contains("jwasmnn_inflight");
                continue;
            }
            assertThat(doc.get("apiVersion")).as("%s apiVersion", f).isNotNull();
            assertThat(doc.get("kind")).as("%s kind", f).isNotNull();
            assertThat(doc.at("/metadata/name").asText()).as("%s name", f).isNotEmpty();
        }
    }

    @Test
    void deploymentsMatchTheImageAndTheServerDefaults() throws Exception {
        String dockerfile = Files.readString(CONTAINERS.resolve("Dockerfile"));
        assertThat(dockerfile).contains("EXPOSE 8080").contains("USER 10001").contains("/mnt/models")
                .contains("/v2/health/ready").contains("--enable-native-access=ALL-UNNAMED");
        // Large guest functions become huge Java methods, which HotSpot leaves interpreted without it.
        for (String image : new String[] {"Dockerfile", "Dockerfile.gpu"}) {
            assertThat(Files.readString(CONTAINERS.resolve(image))).as(image)
                    .containsPattern("JAVA_TOOL_OPTIONS=\"[^\"]*-XX:-DontCompileHugeMethods");
        }
        for (String file : new String[] {"k8s/cpu/deployment.yaml", "k8s/gpu/deployment.yaml"}) {
            JsonNode d = read(file);
            assertThat(d.get("kind").asText()).isEqualTo("Deployment");
            JsonNode pod = d.at("/spec/template");
            assertThat(d.at("/spec/selector/matchLabels")).isEqualTo(pod.at("/metadata/labels"));
            assertThat(pod.at("/spec/securityContext/runAsUser").asInt()).as(file).isEqualTo(10001);
            JsonNode c = pod.at("/spec/containers/0");
            assertThat(c.get("image").asText()).startsWith("jwasm-nn:");
            List<String> args = new ArrayList<>();
            c.get("args").forEach(a -> args.add(a.asText()));
            assertThat(String.join(" ", args)).contains("--models /mnt/models").contains("--port 8080");
            assertThat(c.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
            assertThat(c.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/v2/health/ready");
            assertThat(c.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/v2/health/live");
            assertThat(c.at("/startupProbe/httpGet/path").asText()).isEqualTo("/v2/health/ready");
            assertThat(c.at("/volumeMounts/0/mountPath").asText()).isEqualTo("/mnt/models");
            assertThat(pod.at("/metadata/annotations/prometheus.io~1port").asText()).isEqualTo("8080");
            assertThat(pod.at("/metadata/annotations/prometheus.io~1path").asText()).isEqualTo("/metrics");
        }
        JsonNode gpu = read("k8s/gpu/deployment.yaml").at("/spec/template/spec/containers/0/resources");
        assertThat(gpu.at("/limits/nvidia.com~1gpu").asInt()).isEqualTo(1);
        JsonNode hpa = read("k8s/cpu/hpa.yaml");
        assertThat(hpa.at("/spec/scaleTargetRef/name").asText()).isEqualTo(read("k8s/cpu/deployment.yaml").at("/metadata/name").asText());
        JsonNode service = read("k8s/cpu/service.yaml");
        assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
    }

    @Test
    void kserveRuntimeSpeaksV2FromMntModelsAndTheServiceUsesIt() throws Exception {
        JsonNode runtime = read("k8s/kserve/cluster-serving-runtime.yaml");
        assertThat(runtime.get("kind").asText()).isEqualTo("ClusterServingRuntime");
        assertThat(runtime.at("/spec/protocolVersions").toString()).contains("v2");
        JsonNode c = runtime.at("/spec/containers/0");
        assertThat(c.get("name").asText()).isEqualTo("kserve-container");
        assertThat(c.get("args").toString()).contains("/mnt/models").contains("8080");
        assertThat(c.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/v2/health/ready");
        assertThat(runtime.at("/spec/annotations/prometheus.kserve.io~1path").asText()).isEqualTo("/metrics");
        JsonNode isvc = read("k8s/kserve/inference-service.yaml");
        assertThat(isvc.at("/spec/predictor/model/runtime").asText()).isEqualTo(runtime.at("/metadata/name").asText());
        assertThat(isvc.at("/spec/predictor/model/modelFormat/name").asText()).isEqualTo("onnx");
    }

    /** The paths and the HPA's metric exist on a real server started with the image's arguments. */
    @Test
    void probesMetricsAndTheScalingMetricExistOnARealServer(@TempDir Path repo) throws Exception {
        Files.createDirectories(repo.resolve("tiny/1"));
        Files.copy(TestAssets.model("tiny.onnx"), repo.resolve("tiny/1/model.onnx"));
        var settings = dev.jwasmnn.server.ServerSettings.forTesting(repo);
        try (var server = dev.jwasmnn.server.InferenceServer.start(settings, "manifests")) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + server.port();
            for (String path : new String[] {"/v2/health/ready", "/v2/health/live"}) {
                assertThat(http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode()).as(path).isEqualTo(200);
            }
            // The per-model gauges appear with the model's first request.
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/v2/models/tiny/infer"))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}"))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            String metric = read("k8s/cpu/hpa.yaml").at("/spec/metrics/0/pods/metric/name").asText();
            assertThat(metrics).contains(metric + "{");
        }
    }
}
