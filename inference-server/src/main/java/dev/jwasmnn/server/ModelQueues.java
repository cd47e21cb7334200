package dev.jwasmnn.server;

import dev.jwasmnn.store.config.ModelConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One {@link AdmissionQueue} per model, sized from the config of the version being served. */
final class ModelQueues {
    private final Map<String, AdmissionQueue> queues = new ConcurrentHashMap<>();
    private final ServerMetrics metrics;

    ModelQueues(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    AdmissionQueue of(String model, ModelConfig config) {
        AdmissionQueue q = queues.get(model);
        if (q == null) {
            q = queues.computeIfAbsent(model, m -> {
                AdmissionQueue created = new AdmissionQueue(config.concurrency(), config.maxQueue());
                metrics.registerQueueGauges(m, created::running, created::waiting);
                return created;
            });
        }
        // Once per served config, not per request: resizing takes the queue's lock.
        q.resizeFor(config);
        return q;
    }
}
