package dev.jwasmnn.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwasmnn.nn.spi.BackendSettings;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model that asks for the GPU on this GPU-less machine, for both backends: the server's
 * gpu_policy applies unless the model sets its own; fail refuses the load and names what is
 * missing, fallback serves on the CPU with a warning in the status, auto picks the CPU quietly.
 */
class GpuPolicyTest {
    // The TorchScript model declares no shapes; the config does, so warm-up can feed it.
    /** Fully described, so the TorchScript variant has nothing to warn about but the device. */
    private static final String TINY_INPUTS = "inputs: [{name: x, datatype: FP32, shape: [1, 4]}]\n"
            + "outputs: [{name: y, datatype: FP32, shape: [1, 4]}]\n";

    private static StoreFixture fixture(Path repo, String serverPolicy, String modelFile) {
        StoreFixture f = new StoreFixture(repo, BackendSettings.of(Map.of("gpu_policy", serverPolicy)));
        f.version("tiny", 1, modelFile);
        return f;
    }

    private static String device(StoreFixture f) {
        try (ModelLease lease = f.store.acquire("tiny", -1)) {
            return lease.version().graph().graph().device();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny.onnx", "tiny.pt"})
    void serverFailPolicyRefusesAGpuModelAndNamesWhatIsMissing(String modelFile, @TempDir Path repo) {
        try (StoreFixture f = fixture(repo, "fail", modelFile)) {
            f.write("tiny/config.yaml", "target: gpu\n" + TINY_INPUTS);
            assertThatThrownBy(() -> f.store.load("tiny")).isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("execution target GPU").hasMessageContaining("no usable GPU");
            assertThat(f.store.status("tiny").state()).isEqualTo(ModelState.FAILED);
            assertThat(f.openGraphs()).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny.onnx", "tiny.pt"})
    void aModelsFallbackPolicyServesOnTheCpuWithAWarning(String modelFile, @TempDir Path repo) {
        try (StoreFixture f = fixture(repo, "fail", modelFile)) {
            f.write("tiny/config.yaml", "target: gpu\ngpu_policy: fallback\n" + TINY_INPUTS);
            ModelStatus s = f.store.load("tiny");
            assertThat(s.state()).isEqualTo(ModelState.READY);
            assertThat(s.warning()).hasValueSatisfying(w -> assertThat(w).contains("running on cpu"));
            assertThat(device(f)).isEqualTo("cpu");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny.onnx", "tiny.pt"})
    void aModelsFailPolicyOverridesAServerFallback(String modelFile, @TempDir Path repo) {
        try (StoreFixture f = fixture(repo, "fallback", modelFile)) {
            f.write("tiny/config.yaml", "target: gpu\n" + TINY_INPUTS);
            assertThat(f.store.load("tiny").state()).as("server policy applies").isEqualTo(ModelState.READY);
            f.write("tiny/config.yaml", "target: gpu\ngpu_policy: fail\n" + TINY_INPUTS);
            assertThatThrownBy(() -> f.store.load("tiny")).isInstanceOf(ModelLoadException.class);
            assertThat(device(f)).as("the previous load keeps serving").isEqualTo("cpu");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny.onnx", "tiny.pt"})
    void autoResolvesToTheCpuHereWithoutAWarning(String modelFile, @TempDir Path repo) {
        try (StoreFixture f = fixture(repo, "fail", modelFile)) {
            f.write("tiny/config.yaml", "target: auto\n" + TINY_INPUTS);
            ModelStatus s = f.store.load("tiny");
            assertThat(s.state()).isEqualTo(ModelState.READY);
            assertThat(s.warning()).isEmpty();
            assertThat(device(f)).isEqualTo("cpu");
        }
    }
}
