package dev.jwasmnn.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.nn.spi.ExecutionContext;
import dev.jwasmnn.testing.TestAssets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {
    private static final float[] X = {1f, -2f, 3.5f, 0f};

    /** Runs the tiny model's graph of {@code lease}: 2x+1 for tiny.onnx, 3x-1 for tiny_b.onnx. */
    static float[] infer(ModelLease lease) {
        ByteBuffer in = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : X) {
            in.putFloat(v);
        }
        in.flip();
        try (ExecutionContext ctx = lease.version().graph().graph().newContext()) {
            ctx.setInput(0, Tensor.of(TensorType.F32, new long[] {1, 4}, in));
            ctx.compute();
            ByteBuffer out = ctx.output(0).data();
            float[] y = new float[4];
            out.asFloatBuffer().get(y);
            return y;
        }
    }

    @Test
    void aFolderWithOnlyAModelFileLoadsWithDefaults(@TempDir Path repo) {
        try (StoreFixture f = new StoreFixture(repo)) {
            f.version("tiny", 1, "tiny.onnx");
            ModelStatus status = f.store.load("tiny");
            assertThat(status.state()).isEqualTo(ModelState.READY);
            assertThat(status.versions()).containsExactly(1L);
            assertThat(status.device()).contains("cpu");
            try (ModelLease lease = f.store.acquire("tiny", -1)) {
                assertThat(lease.version().graph().graph().inputs().get(0).name()).isEqualTo("x");
                assertThat(infer(lease)).containsExactly(3f, -3f, 8f, 1f);
            }
        }
    }

    @Test
    void versionPolicyChoosesWhatIsServed(@TempDir Path repo) {
        try (StoreFixture f = new StoreFixture(repo)) {
            f.version("tiny", 1, "tiny.onnx");
            f.version("tiny", 2, "tiny_b.onnx");
            assertThat(f.store.load("tiny").versions()).containsExactly(2L);
            f.write("tiny/config.yaml", "version_policy: {all: true}\n");
            assertThat(f.store.load("tiny").versions()).containsExactly(1L, 2L);
            try (ModelLease v1 = f.store.acquire("tiny", 1); ModelLease latest = f.store.acquire("tiny", -1)) {
                assertThat(infer(v1)).containsExactly(3f, -3f, 8f, 1f);
                assertThat(infer(latest)).containsExactly(2f, -7f, 9.5f, -1f);
            }
            assertThatThrownBy(() -> f.store.acquire("tiny", 9))
                    .isInstanceOf(ModelUnavailableException.class)
                    .hasMessageContaining("no version 9");
        }
    }

    @Test
    void aRequestFinishesOnItsVersionAndTheOldGraphClosesAfterIt(@TempDir Path repo) {
        try (StoreFixture f = new StoreFixture(repo)) {
            f.version("tiny", 1, "tiny.onnx");
            f.write("tiny/config.yaml", "drain_timeout: 100ms\n");
            f.store.load("tiny");
            ModelLease inFlight = f.store.acquire("tiny", -1);
            f.version("tiny", 2, "tiny_b.onnx");
            f.store.load("tiny");
            try (ModelLease fresh = f.store.acquire("tiny", -1)) {
                assertThat(fresh.version().version()).isEqualTo(2);
                assertThat(infer(fresh)).containsExactly(2f, -7f, 9.5f, -1f);
            }
            // The drain timed out with the old lease open: its graph is still usable, and open.
            assertThat(infer(inFlight)).containsExactly(3f, -3f, 8f, 1f);
            assertThat(f.openGraphs()).isEqualTo(2);
            inFlight.close();
            assertThat(inFlight.version().graph().isClosed()).isTrue();
            assertThat(f.openGraphs()).isEqualTo(1);
        }
    }

    @Test
    void aFailedReloadKeepsThePreviousVersionServingAndRecordsWhy(@TempDir Path repo) throws Exception {
        try (StoreFixture f = new StoreFixture(repo)) {
            f.version("tiny", 1, "tiny.onnx");
            f.store.load("tiny");

            f.write("tiny/2/model.onnx", "not an onnx model");
            assertThatThrownBy(() -> f.store.load("tiny")).isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("version 2");
            assertServing(f, 1, "version 2");

            Files.delete(repo.resolve("tiny/2/model.onnx"));
            f.write("tiny/config.yaml", "concurrency: -1\n");
            assertThatThrownBy(() -> f.store.load("tiny")).hasMessageContaining("key 'concurrency'");
            assertServing(f, 1, "config.yaml");

            f.write("tiny/config.yaml", "guest: {args: [x]}\n");
            f.write("tiny/guest.wasm", new byte[] {0, 'a', 's', 'm', 9, 9});
            assertThatThrownBy(() -> f.store.load("tiny")).hasMessageContaining("guest.wasm");
            assertServing(f, 1, "not a valid WebAssembly module");
            assertThat(f.openGraphs()).isEqualTo(1);

            Files.delete(repo.resolve("tiny/guest.wasm"));
            Files.delete(repo.resolve("tiny/config.yaml"));
            assertThat(f.store.load("tiny").lastError()).isEmpty();
        }
    }

    private static void assertServing(StoreFixture f, long version, String errorMentions) {
        ModelStatus s = f.store.status("tiny");
        assertThat(s.state()).isEqualTo(ModelState.READY);
        assertThat(s.versions()).containsExactly(version);
        assertThat(s.lastError()).hasValueSatisfying(e -> assertThat(e).contains(errorMentions));
        try (ModelLease lease = f.store.acquire("tiny", -1)) {
            assertThat(infer(lease)).containsExactly(3f, -3f, 8f, 1f);
        }
    }

    @Test
    void aGuestIsCompiledWithItsVersion(@TempDir Path repo) throws Exception {
        try (StoreFixture f = new StoreFixture(repo)) {
            f.version("tiny", 1, "tiny.onnx");
            f.write("tiny/guest.wasm", Files.readAllBytes(TestAssets.guest("raw-infer")));
            ModelStatus s = f.store.load("tiny");
            assertThat(s.guest()).hasValueSatisfying(g -> assertThat(g).startsWith("guest.wasm sha256:"));
            try (ModelLease lease = f.store.acquire("tiny", -1)) {
                assertThat(lease.version().guest()).isPresent();
            }
        }
    }

    @Test
    void unloadRefusesNewRequestsAndClosesTheGraph(@TempDir Path repo) {
        try (StoreFixture f = new StoreFixture(repo)) {
            f.version("tiny", 1, "tiny.onnx");
            f.store.load("tiny");
            assertThat(f.openGraphs()).isEqualTo(1);
            assertThat(f.store.unload("tiny")).isTrue();
            assertThat(f.openGraphs()).isZero();
            assertThat(f.store.status("tiny").state()).isEqualTo(ModelState.UNAVAILABLE);
            assertThatThrownBy(() -> f.store.acquire("tiny", -1))
                    .isInstanceOfSatisfying(ModelUnavailableException.class,
                            e -> assertThat(e.reason()).isEqualTo(ModelUnavailableException.Reason.NOT_READY));
            assertThatThrownBy(() -> f.store.acquire("nope", -1))
                    .isInstanceOfSatisfying(ModelUnavailableException.class,
                            e -> assertThat(e.reason()).isEqualTo(ModelUnavailableException.Reason.NOT_FOUND));
        }
    }

    @Test
    void nothingOutsideTheRepositoryIsReachable(@TempDir Path repo, @TempDir Path elsewhere) throws Exception {
        try (StoreFixture f = new StoreFixture(repo)) {
            assertThatThrownBy(() -> f.store.load("../x")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid model name");
            assertThatThrownBy(() -> f.store.load("a/b")).isInstanceOf(IllegalArgumentException.class);
            Path outside = Files.copy(TestAssets.model("tiny.onnx"), elsewhere.resolve("model.onnx"));
            Files.createDirectories(repo.resolve("linked/1"));
            Files.createSymbolicLink(repo.resolve("linked/1/model.onnx"), outside);
            assertThatThrownBy(() -> f.store.load("linked")).hasMessageContaining("outside the model repository");
            assertThat(f.openGraphs()).isZero();
        }
    }

    @Test
    void aConfiguredWarmUpInputIsUsedAndChecked(@TempDir Path repo) throws Exception {
        try (StoreFixture f = new StoreFixture(repo)) {
            f.version("tiny", 1, "tiny.onnx");
            f.write("tiny/warmup/x.bin", Files.readAllBytes(TestAssets.model("tiny.in.f32")));
            f.write("tiny/config.yaml", "warmup_inputs: [warmup/x.bin]\n");
            assertThat(f.store.load("tiny").state()).isEqualTo(ModelState.READY);

            f.write("tiny/warmup/x.bin", new byte[12]);
            assertThatThrownBy(() -> f.store.load("tiny")).hasMessageContaining("warm-up file warmup/x.bin")
                    .hasMessageContaining("16 bytes");
            f.write("tiny/config.yaml", "warmup_inputs: [a.bin, b.bin]\n");
            assertThatThrownBy(() -> f.store.load("tiny")).hasMessageContaining("lists 2 file(s)");
            f.write("tiny/config.yaml", "warmup_inputs: [../../etc/passwd]\n");
            assertThatThrownBy(() -> f.store.load("tiny")).hasMessageContaining("key 'warmup_inputs[0]'");
            assertThat(f.store.status("tiny").versions()).containsExactly(1L);
        }
    }

    @Test
    void theConfigMustDescribeTheModel(@TempDir Path repo) {
        try (StoreFixture f = new StoreFixture(repo)) {
            f.version("tiny", 1, "tiny.onnx");
            f.write("tiny/config.yaml", "inputs: [{name: x, datatype: INT64, shape: [1, 4]}]\n");
            assertThatThrownBy(() -> f.store.load("tiny")).hasMessageContaining("config inputs[0]")
                    .hasMessageContaining("FP32");
            assertThat(f.store.status("tiny").state()).isEqualTo(ModelState.FAILED);
            assertThat(f.openGraphs()).isZero();
        }
    }
}
