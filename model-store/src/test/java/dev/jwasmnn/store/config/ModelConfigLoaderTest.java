package dev.jwasmnn.store.config;

import dev.jwasmnn.nn.GpuPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwasmnn.nn.ExecutionTarget;
import dev.jwasmnn.nn.GraphEncoding;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ModelConfigLoaderTest {

    private static ModelConfig parse(String yaml) {
        return ModelConfigLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), "m/config.yaml");
    }

    @Test
    void emptyFileMeansDefaults() {
        assertThat(parse("")).isEqualTo(ModelConfig.defaults());
        assertThat(parse("\n  \n")).isEqualTo(ModelConfig.defaults());
    }

    @Test
    void everyKeyIsRead() {
        ModelConfig c = parse("""
                backend: onnxruntime
                target: GPU
                gpu_policy: fallback
                inputs:
                  - {name: x, datatype: fp32, shape: [-1, 4]}
                outputs:
                  - {name: y, datatype: FP32, shape: [-1, 4]}
                guest:
                  module: handlers/classify.wasm
                  args: ["--preloaded", "{model}"]
                  env: {MODE: fast}
                  memory: 64MiB
                  max_stdout: 1m
                  max_stderr: 4k
                  response: cgi
                  content_type: text/plain
                  grants: [other]
                  allow_model_bytes: true
                concurrency: 3
                in_flight: 5
                max_queue: 7
                deadline: 1500ms
                version_policy: {specific: [3, 1]}
                warmup: false
                drain_timeout: 2s
                """);
        assertThat(c.encoding()).contains(GraphEncoding.ONNX);
        assertThat(c.target()).isEqualTo(ExecutionTarget.GPU);
        assertThat(c.gpuPolicy()).contains(GpuPolicy.FALLBACK);
        assertThat(c.inputs()).containsExactly(new TensorMetadata("x", "FP32", new long[] {-1, 4}));
        GuestConfig g = c.guest().orElseThrow();
        assertThat(g.module()).isEqualTo("handlers/classify.wasm");
        assertThat(g.args()).containsExactly("--preloaded", "{model}");
        assertThat(g.env()).containsEntry("MODE", "fast");
        assertThat(g.memoryBytes()).isEqualTo(64L << 20);
        assertThat(g.maxStdoutBytes()).isEqualTo(1L << 20);
        assertThat(g.maxStderrBytes()).isEqualTo(4096);
        assertThat(g.response()).isEqualTo(ResponseMode.CGI);
        assertThat(g.contentType()).isEqualTo("text/plain");
        assertThat(g.grants()).isEqualTo(Set.of("other"));
        assertThat(g.allowModelBytes()).isTrue();
        assertThat(c.concurrency()).isEqualTo(3);
        assertThat(c.inFlight()).isEqualTo(5);
        assertThat(c.maxQueue()).isEqualTo(7);
        assertThat(c.deadline()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.versionPolicy().select(new TreeSet<>(List.of(1L, 2L, 3L)))).containsExactly(1L, 3L);
        assertThat(c.warmup()).isFalse();
        assertThat(c.drainTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void requestsInFlightDefaultToTwiceTheComputesAndNeverFewer() {
        assertThat(parse("concurrency: 3").inFlight()).isEqualTo(6);
        assertThat(parse("concurrency: 1").inFlight()).isEqualTo(2);
        assertThat(ModelConfig.defaults().inFlight()).isEqualTo(2 * ModelConfig.defaultConcurrency());
        assertThat(parse("concurrency: 2\nin_flight: 2").inFlight()).isEqualTo(2);
        assertThatThrownBy(() -> parse("concurrency: 3\nin_flight: 2"))
                .hasMessageContaining("key 'in_flight'").hasMessageContaining("below concurrency (3)")
                .hasMessageContaining("at least 3");
        assertThatThrownBy(() -> parse("in_flight: 0")).hasMessageContaining("key 'in_flight'");
    }

    @Test
    void latestPolicyPicksTheNewest() {
        ModelConfig c = parse("version_policy: {latest: 2}");
        assertThat(c.versionPolicy().select(new TreeSet<>(List.of(1L, 5L, 3L)))).containsExactly(3L, 5L);
        assertThat(parse("version_policy: {all: true}").versionPolicy()
                .select(new TreeSet<>(List.of(1L, 2L)))).containsExactly(1L, 2L);
    }

    @Test
    void unknownKeysNameTheFileTheKeyAndWhatIsAllowed() {
        assertThatThrownBy(() -> parse("concurency: 2"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("m/config.yaml")
                .hasMessageContaining("unknown key 'concurency'")
                .hasMessageContaining("concurrency");
        assertThatThrownBy(() -> parse("guest:\n  modul: x.wasm"))
                .hasMessageContaining("unknown key 'guest.modul'")
                .hasMessageContaining("module");
    }

    @Test
    void badValuesNameTheKeyAndTheAllowedValues() {
        assertThatThrownBy(() -> parse("target: tpu2"))
                .hasMessageContaining("key 'target'").hasMessageContaining("[auto, cpu, gpu]");
        assertThatThrownBy(() -> parse("concurrency: 0"))
                .hasMessageContaining("key 'concurrency'").hasMessageContaining("1 to 1024");
        assertThatThrownBy(() -> parse("concurrency: many"))
                .hasMessageContaining("key 'concurrency'").hasMessageContaining("whole number");
        assertThatThrownBy(() -> parse("deadline: soon"))
                .hasMessageContaining("key 'deadline'").hasMessageContaining("not a duration");
        // Would overflow the nanoseconds deadlines are counted in, and fail every request.
        assertThatThrownBy(() -> parse("deadline: 9999999999"))
                .hasMessageContaining("key 'deadline'").hasMessageContaining("at most 365 days");
        assertThatThrownBy(() -> parse("drain_timeout: 99999999999999999999h"))
                .hasMessageContaining("key 'drain_timeout'").hasMessageContaining("at most 365 days");
        assertThatThrownBy(() -> parse("guest: {memory: 1t}"))
                .hasMessageContaining("key 'guest.memory'");
        assertThatThrownBy(() -> parse("guest: {module: ../../etc/passwd}"))
                .hasMessageContaining("key 'guest.module'").hasMessageContaining("inside the model folder");
        assertThatThrownBy(() -> parse("guest: {grants: [../x]}"))
                .hasMessageContaining("key 'guest.grants'");
        assertThatThrownBy(() -> parse("version_policy: {latest: 1, all: true}"))
                .hasMessageContaining("key 'version_policy'").hasMessageContaining("exactly one");
        assertThatThrownBy(() -> parse("inputs: [{name: x, datatype: BOOL, shape: [1]}]"))
                .hasMessageContaining("key 'inputs[0].datatype'").hasMessageContaining("FP32");
        assertThatThrownBy(() -> parse("backend: tensorflow"))
                .hasMessageContaining("key 'backend'").hasMessageContaining("onnxruntime");
        assertThatThrownBy(() -> parse("deadline: \"30s\nwarmup: true"))
                .hasMessageContaining("m/config.yaml").hasMessageContaining("not valid YAML");
    }

    @Test
    void modelNamesStayInsideTheRepository() {
        assertThat(ModelNames.isValid("mobilenet_v2-1.0")).isTrue();
        for (String bad : new String[] {"..", "a..b", "a/b", "/abs", ".hidden", "", "a b", "a\\b", "x".repeat(65)}) {
            assertThat(ModelNames.isValid(bad)).as(bad).isFalse();
        }
    }
}
