package dev.jwasmnn.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jwasmnn.nn.ComputeSlots;
import dev.jwasmnn.nn.abi.WasiNn;
import dev.jwasmnn.nn.abi.WasiNnConfig;
import dev.jwasmnn.nn.abi.WasiNnGrants;
import dev.jwasmnn.nn.registry.Backends;
import dev.jwasmnn.nn.registry.GraphRegistry;
import dev.jwasmnn.nn.registry.PreloadSpec;
import dev.jwasmnn.nn.spi.BackendSettings;
import dev.jwasmnn.testing.TestAssets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Closing the runner stops the runs in progress as a deadline would: a guest in the middle of a
 * long ONNX Runtime compute is cancelled inside the compute, so close does not wait it out.
 */
class RunnerCloseTest {
    /** Rows of the slow model: 512 take 1.5 s or more on these machines. */
    private static final int ROWS = 512;

    static Backends backends;
    static GraphRegistry registry;

    @BeforeAll
    static void setUp() {
        backends = Backends.discover(BackendSettings.defaults());
        registry = new GraphRegistry();
        registry.preload(PreloadSpec.parse("slow:ONNX:CPU:" + TestAssets.model("slow.onnx")), backends);
    }

    @AfterAll
    static void tearDown() {
        registry.close();
        backends.close();
    }

    static GuestInvocation slowBatch(GuestRunner runner, ComputeSlots slots, AtomicInteger ended) {
        return GuestInvocation.builder()
                .args("raw-infer.wasm", "--preloaded", "slow", "--type", "f32", "--shape", ROWS + ",1024")
                .stdin(new byte[ROWS * 1024 * 4])
                .attach(WasiNnGrants.class, new WasiNnGrants(registry, false, slots))
                .limits(runner.defaultLimits().withDeadline(Duration.ofSeconds(60)))
                .onEnd(ended::incrementAndGet)
                .build();
    }

    @Test
    void closeCancelsARunningComputeInsteadOfWaitingItOut() throws Exception {
        AtomicInteger ended = new AtomicInteger();
        long fullMillis;
        try (GuestRunner runner = runner()) {
            GuestModule rawInfer = runner.compile(TestAssets.guest("raw-infer"));
            long start = System.nanoTime();
            GuestResult full = runner.run(rawInfer, slowBatch(runner, new ComputeSlots(1), ended));
            fullMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(full.succeeded()).as(full + full.stderrText()).isTrue();
            assertThat(ended).hasValue(1);
        }

        GuestRunner runner = runner();
        GuestModule rawInfer = runner.compile(TestAssets.guest("raw-infer"));
        ComputeSlots slots = new ComputeSlots(1);
        CompletableFuture<GuestResult> run =
                CompletableFuture.supplyAsync(() -> runner.run(rawInfer, slowBatch(runner, slots, ended)));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (slots.busy() == 0) { // computing now
            assertThat(System.nanoTime()).as("the guest never started its compute").isLessThan(until);
            Thread.sleep(2);
        }
        long start = System.nanoTime();
        runner.close();
        long closeMillis = (System.nanoTime() - start) / 1_000_000;
        GuestResult r = run.get(10, TimeUnit.SECONDS);
        assertThat(r.outcome()).as(r.toString()).isEqualTo(GuestOutcome.CANCELLED);
        assertThat(closeMillis).as("close took %d ms; the compute alone takes %d ms", closeMillis, fullMillis)
                .isLessThan(fullMillis / 2);
        assertThat(ended).as("onEnd once per run").hasValue(2);
        assertThat(slots.busy()).isZero();
    }

    private static GuestRunner runner() {
        return GuestRunner.builder().extension(new WasiNn(WasiNnConfig.builder(backends).resolver(registry).build()))
                .build();
    }
}
