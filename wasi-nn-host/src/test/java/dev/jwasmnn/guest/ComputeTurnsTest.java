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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Guests whose grants carry {@link ComputeSlots} run at once but compute in turns: a real
 * raw-infer guest on the tiny model, with the test holding the model's only slot.
 */
class ComputeTurnsTest {
    static Backends backends;
    static GraphRegistry registry;
    static GuestRunner runner;
    static GuestModule rawInfer;

    @BeforeAll
    static void setUp() {
        backends = Backends.discover(BackendSettings.defaults());
        registry = new GraphRegistry();
        registry.preload(PreloadSpec.parse("tiny:ONNX:CPU:" + TestAssets.model("tiny.onnx")), backends);
        runner = GuestRunner.builder().extension(new WasiNn(WasiNnConfig.builder(backends).resolver(registry).build()))
                .build();
        rawInfer = runner.compile(TestAssets.guest("raw-infer"));
    }

    @AfterAll
    static void tearDown() {
        runner.close();
        registry.close();
        backends.close();
    }

    static GuestInvocation tiny(ComputeSlots slots, Duration deadline) {
        return GuestInvocation.builder()
                .args("raw-infer.wasm", "--preloaded", "tiny", "--type", "f32", "--shape", "1,4")
                .stdin(TestAssets.bytes(TestAssets.model("tiny.in.f32")))
                .attach(WasiNnGrants.class, new WasiNnGrants(registry, false, slots))
                .limits(runner.defaultLimits().withDeadline(deadline))
                .build();
    }

    static void awaitWaiting(ComputeSlots slots, int n) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (slots.waiting() != n) {
            assertThat(System.nanoTime() - until).as("%d computes waiting, want %d", slots.waiting(), n).isNegative();
            Thread.sleep(2);
        }
    }

    @Test
    void aGuestComputesOnlyOnItsTurn() throws Exception {
        ComputeSlots slots = new ComputeSlots(1);
        ComputeSlots.Slot held = slots.enter();
        CompletableFuture<GuestResult> run =
                CompletableFuture.supplyAsync(() -> runner.run(rawInfer, tiny(slots, Duration.ofSeconds(20))));
        awaitWaiting(slots, 1); // the guest got as far as compute
        Thread.sleep(100);
        assertThat(run).as("no compute while the slot is held").isNotDone();
        held.close();
        GuestResult r = run.get(20, TimeUnit.SECONDS);
        assertThat(r.succeeded()).as(r + r.stderrText()).isTrue();
        assertThat(r.stdout()).isEqualTo(TestAssets.bytes(TestAssets.model("tiny.out.f32")));
        assertThat(r.computeWaitNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(r.computeNanos()).as("the wait is not compute time").isLessThan(r.computeWaitNanos());
        assertThat(slots.busy()).isZero();
    }

    @Test
    void aDeadlineWhileWaitingForATurnStopsTheGuestAndTakesNoSlot() throws Exception {
        ComputeSlots slots = new ComputeSlots(1);
        try (ComputeSlots.Slot held = slots.enter()) {
            CompletableFuture<GuestResult> run =
                    CompletableFuture.supplyAsync(() -> runner.run(rawInfer, tiny(slots, Duration.ofSeconds(2))));
            awaitWaiting(slots, 1); // it reached compute, so the deadline stops it while it waits
            GuestResult r = run.get(20, TimeUnit.SECONDS);
            assertThat(r.outcome()).as(r.toString()).isEqualTo(GuestOutcome.DEADLINE_EXCEEDED);
            assertThat(slots.waiting()).isZero();
            assertThat(slots.busy()).as("only the test's slot").isEqualTo(1);
        }
        GuestResult again = runner.run(rawInfer, tiny(slots, Duration.ofSeconds(20)));
        assertThat(again.succeeded()).as(again.toString()).isTrue();
    }

    @Test
    void withoutSlotsAGuestComputesAtOnce() {
        GuestResult r = runner.run(rawInfer, tiny(null, Duration.ofSeconds(20)));
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        assertThat(r.computeWaitNanos()).isZero();
    }
}
