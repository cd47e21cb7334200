package dev.jwasmnn.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import dev.jwasmnn.nn.abi.WasiNn;
import dev.jwasmnn.nn.abi.WasiNnConfig;
import dev.jwasmnn.nn.registry.Backends;
import dev.jwasmnn.nn.registry.GraphRegistry;
import dev.jwasmnn.nn.registry.PreloadSpec;
import dev.jwasmnn.nn.spi.BackendSettings;
import dev.jwasmnn.testing.NnProbe;
import dev.jwasmnn.testing.TestAssets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A deadline must also stop work the guest handed to the backend: a compute of the slow test
 * model (seconds for 512 rows) is cancelled inside ONNX Runtime, the guest is stopped, and the
 * shared native session keeps serving.
 */
class ComputeDeadlineTest {
    static final int ROWS = 512;
    static final int WIDTH = 1024;
    static Backends backends;
    static GraphRegistry registry;
    static WasiNn nn;
    static long fullComputeMillis;

    @BeforeAll
    static void setUp() {
        backends = Backends.discover(BackendSettings.defaults());
        registry = new GraphRegistry();
        registry.preload(PreloadSpec.parse("slow:ONNX:CPU:" + TestAssets.model("slow.onnx")), backends);
        nn = new WasiNn(WasiNnConfig.builder(backends).resolver(registry).build());
        // How long the work takes when nobody stops it, on this machine, now.
        try (NnProbe p = new NnProbe(nn)) {
            int ctx = prepare(p, ROWS);
            long start = System.nanoTime();
            assertThat(p.call("compute", ctx)).isZero();
            fullComputeMillis = (System.nanoTime() - start) / 1_000_000;
        }
        assertThat(fullComputeMillis).as("the slow model must be slow enough to cancel").isGreaterThan(400);
    }

    @AfterAll
    static void tearDown() {
        registry.close();
        backends.close();
    }

    static byte[] ones(int rows) {
        ByteBuffer b = ByteBuffer.allocate(rows * WIDTH * 4).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            b.putFloat(1f);
        }
        return b.array();
    }

    static int prepare(NnProbe p, int rows) {
        int name = p.putString("slow");
        int out = p.outSlot();
        assertThat(p.call("load_by_name", name, 4, out)).isZero();
        int ctxOut = p.outSlot();
        assertThat(p.call("init_execution_context", p.readU32(out), ctxOut)).isZero();
        int ctx = p.readU32(ctxOut);
        assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {rows, WIDTH}, 1, ones(rows)))).isZero();
        return ctx;
    }

    @Test
    void cancellingTheSessionStopsARunningCompute() throws Exception {
        try (NnProbe p = new NnProbe(nn)) {
            int ctx = prepare(p, ROWS);
            Thread canceller = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(150);
                } catch (InterruptedException ignored) {
                    return;
                }
                p.session().cancel();
            });
            long start = System.nanoTime();
            assertThatThrownBy(() -> p.call("compute", ctx)).isInstanceOf(ChicoryInterruptedException.class);
            long millis = (System.nanoTime() - start) / 1_000_000;
            canceller.join();
            assertThat(millis).as("cancelled after %d ms of a %d ms compute", millis, fullComputeMillis)
                    .isLessThan(fullComputeMillis / 2);
        }
    }

    @Test
    void aGuestStuckInComputeIsStoppedByItsDeadline() {
        try (GuestRunner runner = GuestRunner.builder().extension(nn).build()) {
            GuestModule guest = runner.compile(TestAssets.guest("raw-infer"));
            long start = System.nanoTime();
            GuestResult r = runner.run(guest, GuestInvocation.builder()
                    .args("raw-infer.wasm", "--preloaded", "slow", "--type", "f32", "--shape", ROWS + "," + WIDTH)
                    .stdin(ones(ROWS))
                    .limits(runner.defaultLimits().withDeadline(Duration.ofMillis(200)))
                    .build());
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.outcome()).as(r.toString()).isEqualTo(GuestOutcome.DEADLINE_EXCEEDED);
            assertThat(millis).as("stopped after %d ms of a %d ms compute", millis, fullComputeMillis)
                    .isLessThan(fullComputeMillis / 2);

            // The shared session is intact: a small request on it completes.
            GuestResult small = runner.run(guest, GuestInvocation.builder()
                    .args("raw-infer.wasm", "--preloaded", "slow", "--type", "f32", "--shape", "1," + WIDTH)
                    .stdin(ones(1))
                    .build());
            assertThat(small.succeeded()).as(small + small.stderrText()).isTrue();
            assertThat(small.stdout()).hasSize(WIDTH * 4);
        }
    }
}
