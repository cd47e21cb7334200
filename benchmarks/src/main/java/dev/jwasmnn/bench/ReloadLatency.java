package dev.jwasmnn.bench;

import dev.jwasmnn.server.InferenceServer;
import dev.jwasmnn.server.ServerSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * p99 latency while a model is reloaded over and over vs steady state, same server, same run:
 * wrk at fixed concurrency against the tiny model; in the "reloading" phase another thread
 * flips the served version (1 <-> 2, different weights) through the admin API back to back.
 * Rounds alternate steady and reloading, so the ratio holds on a noisy machine.
 *
 * <p>Usage: {@code ReloadLatency [--rounds N] [--duration S] [--connections C]}
 */
public final class ReloadLatency {
    public static void main(String[] args) throws Exception {
        int rounds = 3;
        int seconds = 10;
        int connections = 4;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--duration" -> seconds = Integer.parseInt(args[++i]);
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path models = dev.jwasmnn.testing.TestAssets.models();
        Path repo = Files.createTempDirectory("jwasmnn-reload-repo");
        Path dir = repo.resolve("flip");
        Files.createDirectories(dir.resolve("1"));
        Files.createDirectories(dir.resolve("2"));
        Files.copy(models.resolve("tiny.onnx"), dir.resolve("1/model.onnx"));
        Files.copy(models.resolve("tiny_b.onnx"), dir.resolve("2/model.onnx"));
        Files.writeString(dir.resolve("config.yaml"), policy(1));
        Path scripts = Files.createTempDirectory("jwasmnn-reload-wrk");
        ServerLoadWrk wrk = new ServerLoadWrk(scripts);
        Path body = scripts.resolve("tiny.in.f32");
        Files.copy(models.resolve("tiny.in.f32"), body);
        Path script = wrk.script("flip", body, Map.of("Inference-Header-Content-Length", "0"));

        List<Double> steadyP99 = new ArrayList<>();
        List<Double> reloadP99 = new ArrayList<>();
        List<Double> steadyP50 = new ArrayList<>();
        List<Double> reloadP50 = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        List<Integer> reloadCounts = new ArrayList<>();
        long errors = 0;
        try (InferenceServer server = InferenceServer.start(ServerSettings.forTesting(repo), "bench")) {
            String url = "http://127.0.0.1:" + server.port() + "/v2/models/flip/infer";
            URI reload = URI.create("http://127.0.0.1:" + server.adminPort() + "/v2/repository/models/flip/reload");
            wrk.run(url, script, connections, 3); // warm-up
            for (int r = 1; r <= rounds; r++) {
                ServerLoadWrk.Result steady = wrk.run(url, script, connections, seconds);
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger reloads = new AtomicInteger();
                Thread flipper = Thread.ofPlatform().start(() -> flip(dir, reload, stop, reloads));
                ServerLoadWrk.Result reloading = wrk.run(url, script, connections, seconds);
                stop.set(true);
                flipper.join();
                errors += steady.non2xx() + steady.socketErrors() + reloading.non2xx() + reloading.socketErrors();
                steadyP99.add(steady.p99Micros());
                reloadP99.add(reloading.p99Micros());
                steadyP50.add(steady.p50Micros());
                reloadP50.add(reloading.p50Micros());
                ratios.add(reloading.p99Micros() / steady.p99Micros());
                reloadCounts.add(reloads.get());
                System.out.printf("round %d/%d: steady p50 %.0f µs p99 %.0f µs; reloading (%d reloads) p50 %.0f µs p99 %.0f µs%n",
                        r, rounds, steady.p50Micros(), steady.p99Micros(), reloads.get(), reloading.p50Micros(),
                        reloading.p99Micros());
            }
        }
        System.out.println();
        System.out.println("| phase | p50 µs | p99 µs |");
        System.out.println("|---|---:|---:|");
        System.out.println("| steady | " + ServerLoadStats.of(steadyP50).format(ServerLoadStats::micros) + " | "
                + ServerLoadStats.of(steadyP99).format(ServerLoadStats::micros) + " |");
        System.out.println("| reloading | " + ServerLoadStats.of(reloadP50).format(ServerLoadStats::micros) + " | "
                + ServerLoadStats.of(reloadP99).format(ServerLoadStats::micros) + " |");
        System.out.println();
        System.out.println("reloads per " + seconds + " s phase: " + reloadCounts + "; non-2xx or socket errors: " + errors);
        System.out.println("p99 reloading / steady (per round, median and range): "
                + ServerLoadStats.of(ratios).format(ServerLoadStats::ratio) + " (goal <= 2x)");
    }

    private static String policy(int version) {
        return "version_policy: {specific: [" + version + "]}\nmax_queue: 256\n";
    }

    /** Reloads back to back, alternating the served version, until stopped. */
    private static void flip(Path dir, URI reload, AtomicBoolean stop, AtomicInteger count) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        int version = 1;
        while (!stop.get()) {
            version = 3 - version;
            try {
                Files.writeString(dir.resolve("config.yaml"), policy(version));
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(reload)
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("reload failed: " + r.body());
                }
                count.incrementAndGet();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private ReloadLatency() {}
}
