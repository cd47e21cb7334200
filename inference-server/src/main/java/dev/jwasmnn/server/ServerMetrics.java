package dev.jwasmnn.server;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The server's Prometheus meters, per model and version: histograms of request, queue, guest
 * and inference time, request counters by status, and in-flight / queue-depth gauges (the
 * autoscaling signals). Meters are created once per label set and cached, so recording costs
 * a map lookup, not a registry search.
 */
final class ServerMetrics {
    // Buckets from 100 µs to 30 s: the tiny model answers in ~100 µs, a big guest in seconds.
    private static final Duration[] BUCKETS = {
        Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
        Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(30)
    };

    private final MeterRegistry registry;
    private final Map<String, VersionMeters> byVersion = new ConcurrentHashMap<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    ServerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    static ServerMetrics global() {
        return new ServerMetrics(Metrics.globalRegistry());
    }

    /** Timers of one model version ({@code version} "" when the request never reached one). */
    record VersionMeters(Timer request, Timer queue, Timer guest, Timer inference) {}

    VersionMeters of(String model, String version) {
        return byVersion.computeIfAbsent(model + '\0' + version, k -> new VersionMeters(
                timer("jwasmnn.request", "Whole request, from arrival to response", model, version),
                timer("jwasmnn.queue", "Time waiting for a concurrency slot", model, version),
                timer("jwasmnn.guest", "Guest run, instantiation to exit", model, version),
                timer("jwasmnn.inference", "Backend compute", model, version)));
    }

    void countRequest(String model, String version, int status) {
        String key = model + '\0' + version + '\0' + status;
        counters.computeIfAbsent(key, k -> registry.getOrCreate(Counter.builder("jwasmnn.requests")
                .description("Requests by model, version and HTTP status")
                .tags(Metrics.tags("model", model, "version", version, "status", Integer.toString(status),
                        "outcome", status < 400 ? "success" : "failure"))))
                .increment();
    }

    /**
     * In-flight and queued requests of a model, read when scraped. The registry is JVM-wide and
     * keeps the first gauge per name and tags, so the gauges read through a table that the
     * latest queue of that model (this server's, after a restart in the same JVM) replaces.
     */
    void registerQueueGauges(String model, Supplier<Integer> inFlight, Supplier<Integer> waiting,
            Supplier<Integer> computing) {
        QUEUE_READINGS.put(model, new Supplier[] {inFlight, waiting, computing});
        registry.getOrCreate(Gauge.builder("jwasmnn.inflight", () -> reading(model, 0))
                .description("Requests of the model in flight now (computing or getting ready)")
                .tags(Metrics.tags("model", model)));
        registry.getOrCreate(Gauge.builder("jwasmnn.queue.depth", () -> reading(model, 1))
                .description("Requests of the model waiting for a place in flight").tags(Metrics.tags("model", model)));
        registry.getOrCreate(Gauge.builder("jwasmnn.computing", () -> reading(model, 2))
                .description("Computes of the model running now").tags(Metrics.tags("model", model)));
    }

    private static final Map<String, Supplier<Integer>[]> QUEUE_READINGS = new ConcurrentHashMap<>();

    private static int reading(String model, int which) {
        Supplier<Integer>[] s = QUEUE_READINGS.get(model);
        return s == null ? 0 : s[which].get();
    }

    static void record(Timer t, long nanos) {
        if (nanos > 0) {
            t.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    private Timer timer(String name, String description, String model, String version) {
        return registry.getOrCreate(Timer.builder(name)
                .description(description)
                .tags(Metrics.tags("model", model, "version", version))
                .percentiles(new double[0]) // buckets only: quantiles cost per record and do not aggregate
                .buckets(BUCKETS));
    }
}
