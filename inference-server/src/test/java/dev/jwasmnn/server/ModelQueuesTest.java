package dev.jwasmnn.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jwasmnn.nn.ComputeSlots;
import dev.jwasmnn.store.ModelLease;
import dev.jwasmnn.store.ModelStore;
import dev.jwasmnn.store.config.ModelConfig;
import dev.jwasmnn.store.config.ModelConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model's limits follow its current load: a request still running on the version a reload
 * replaced (the drain) does not size them back to the old config.
 */
class ModelQueuesTest {

    @Test
    void limitsFollowTheCurrentLoadNotARequestOfTheVersionBeingDrained(@TempDir Path repo) throws Exception {
        try (TestServer t = new TestServer(repo, s -> s)) {
            TestServer.model(repo, "limits", "tiny.onnx", null, "concurrency: 1\nin_flight: 1\nmax_queue: 0\n");
            ModelStore store = t.server.store();
            store.load("limits");
            ModelQueues queues = new ModelQueues(ServerMetrics.global(), store::servingConfig);
            try (ModelLease old = store.acquire("limits", -1)) {
                ModelConfig oldConfig = old.version().config();
                assertThat(computesAtOnce(queues.computeSlots("limits", oldConfig))).isEqualTo(1);
                assertThat(placesInFlight(queues.of("limits", oldConfig))).isEqualTo(1);

                Files.writeString(repo.resolve("limits/config.yaml"), "concurrency: 3\nin_flight: 4\nmax_queue: 0\n"
                        + "drain_timeout: 100ms\n"); // the reload waits that long for the lease held here
                store.load("limits");
                // The old version's request goes on (admission, then its compute) after the swap.
                AdmissionQueue queue = queues.of("limits", oldConfig);
                ComputeSlots slots = queues.computeSlots("limits", oldConfig);
                assertThat(computesAtOnce(slots)).isEqualTo(3);
                assertThat(placesInFlight(queue)).isEqualTo(4);
            }
            // Unloaded: nothing serves, and a late request of an old version changes nothing.
            store.unload("limits");
            ModelConfig anyOld = ModelConfigLoader.parse("concurrency: 1\n".getBytes(), "old");
            assertThat(computesAtOnce(queues.computeSlots("limits", anyOld))).isEqualTo(3);
        }
    }

    /** Slots taken until one is refused at its deadline; all given back. */
    private static int computesAtOnce(ComputeSlots slots) throws InterruptedException {
        List<ComputeSlots.Slot> held = new ArrayList<>();
        try {
            while (held.size() < 100) {
                ComputeSlots.Slot s = slots.enter(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
                if (s == null) {
                    break;
                }
                held.add(s);
            }
            return held.size();
        } finally {
            for (ComputeSlots.Slot s : held) {
                s.close();
            }
        }
    }

    /** Places taken until one is refused (no queue); all given back. */
    private static int placesInFlight(AdmissionQueue queue) {
        List<AdmissionQueue.Permit> held = new ArrayList<>();
        try {
            AdmissionQueue.Permit p;
            while (held.size() < 100 && (p = queue.tryEnter()) != null) {
                held.add(p);
            }
            return held.size();
        } finally {
            held.forEach(AdmissionQueue.Permit::close);
        }
    }
}
