package dev.jwasmnn.bench;

import dev.jwasmnn.server.InferenceServer;
import dev.jwasmnn.server.ServerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Throughput with requests in flight taking turns to compute ({@code in_flight} 2 × concurrency,
 * the default) against one request per turn from start to end ({@code in_flight} = concurrency,
 * as before), in one server: MobileNetV2 is served twice under two names that differ only in
 * {@code in_flight}, and wrk alternates between them run by run (order ABBA), so the per-pair
 * ratio holds while the machine's speed drifts between rounds.
 *
 * <p>Usage: {@code InFlightComparison [--pairs N] [--duration S] [--connections C] [--in-flight mobilenet=N]}
 * ({@code --in-flight}: the B side's, default the server's default); run with
 * {@code benchmarks/load.sh --compare-in-flight}.
 */
public final class InFlightComparison {
    public static void main(String[] args) throws Exception {
        int pairs = 6;
        int seconds = 5;
        int connections = 32;
        int inFlight = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pairs" -> pairs = Integer.parseInt(args[++i]);
                case "--duration" -> seconds = Integer.parseInt(args[++i]);
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                case "--in-flight" -> {
                    // load.sh's form, MODEL=N; only mobilenet is compared here.
                    String v = args[++i];
                    if (!v.matches("mobilenet=[1-9][0-9]*")) {
                        throw new IllegalArgumentException("--in-flight needs mobilenet=N here, not " + v);
                    }
                    inFlight = Integer.parseInt(v.substring(v.indexOf('=') + 1));
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (usage: [--pairs N] [--duration S] [--connections C] [--in-flight mobilenet=N])");
            }
        }
        Path root = Path.of(System.getProperty("jwasmnn.root", ".")).toAbsolutePath().normalize();
        ServerLoadModel mobilenet = ServerLoadModel.all(root.resolve("build/models")).stream()
                .filter(m -> m.name().equals("mobilenet")).findFirst().orElseThrow();
        // Same file, same concurrency (1); only in_flight differs.
        ServerLoadModel oneAtATime = rename(mobilenet, "whole").withInFlight(mobilenet.concurrency());
        ServerLoadModel turns = rename(mobilenet, "turns").withInFlight(inFlight);
        String bLabel = "in_flight " + (inFlight == 0 ? 2 * mobilenet.concurrency() + " (default)" : inFlight);
        String aLabel = "in_flight " + mobilenet.concurrency();
        Path rawInfer = root.resolve("build/guests/raw-infer.wasm");
        Path scripts = Files.createTempDirectory("jwasmnn-inflight-lua");
        ServerLoadWrk wrk = new ServerLoadWrk(scripts);
        List<String> lines = new ArrayList<>();
        try (ServerLoadRepository repo = ServerLoadRepository.create(List.of(oneAtATime, turns), rawInfer);
                InferenceServer server = InferenceServer.start(
                        ServerSettings.forTesting(repo.root()).withAccessLog(false), "in-flight-benchmark")) {
            String base = "http://127.0.0.1:" + server.port();
            for (ServerLoadPath path : ServerLoadPath.values()) {
                Path lua = wrk.script(path.name().toLowerCase(Locale.ROOT), mobilenet.input(), path.headers);
                String a = base + path.urlPath(oneAtATime);
                String b = base + path.urlPath(turns);
                double[] rateA = new double[pairs];
                double[] rateB = new double[pairs];
                double[] ratio = new double[pairs];
                long errors = 0;
                // Discarded: JIT and connections settle before the first pair counts.
                wrk.run(a, lua, connections, 10);
                wrk.run(b, lua, connections, 10);
                for (int i = 0; i < pairs; i++) {
                    boolean aFirst = i % 4 == 0 || i % 4 == 3;
                    ServerLoadWrk.Result first = measure(wrk, aFirst ? a : b, lua, connections, seconds);
                    ServerLoadWrk.Result second = measure(wrk, aFirst ? b : a, lua, connections, seconds);
                    ServerLoadWrk.Result ra = aFirst ? first : second;
                    ServerLoadWrk.Result rb = aFirst ? second : first;
                    rateA[i] = ra.requestsPerSec();
                    rateB[i] = rb.requestsPerSec();
                    ratio[i] = rateB[i] / rateA[i];
                    errors += ra.non2xx() + ra.socketErrors() + rb.non2xx() + rb.socketErrors();
                    System.err.printf(Locale.ROOT, "%s pair %d/%d: %s %.0f req/s, %s %.0f req/s, ratio %.3f%n",
                            path.label, i + 1, pairs, aLabel, rateA[i], bLabel, rateB[i], ratio[i]);
                }
                lines.add(String.format(Locale.ROOT, "| %s | %d | %s | %s | **%.3f** (%.3f–%.3f) | %d |",
                        path.label, connections, stats(rateA).format(ServerLoadStats::rate),
                        stats(rateB).format(ServerLoadStats::rate), PairedComparison.quantile(ratio, 0.5),
                        PairedComparison.quantile(ratio, 0.25), PairedComparison.quantile(ratio, 0.75), errors));
            }
        } finally {
            try (var files = Files.list(scripts)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(scripts);
        }
        System.out.println();
        System.out.println("# MobileNetV2 at c=" + connections + ": " + bLabel + " (requests take turns to compute) vs "
                + aLabel + " (one request per turn)");
        System.out.println();
        System.out.println("- Command: `" + System.getProperty("jwasmnn.bench.command", "InFlightComparison") + "`");
        System.out.println("- " + pairs + " pairs × " + seconds + " s per run after 2 s of wrk warm-up (and 10 s per side"
                + " before the first pair), order ABBA; concurrency " + mobilenet.concurrency() + " for both; ratio = B / A"
                + " per pair, median (interquartile range)");
        System.out.println();
        System.out.println("| path | connections | A, " + aLabel + ": req/s median (range) | B, " + bLabel
                + ": req/s median (range) | ratio B / A | errors |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        lines.forEach(System.out::println);
    }

    private static ServerLoadModel rename(ServerLoadModel m, String name) {
        return new ServerLoadModel(name, m.onnx(), m.input(), m.shape(), m.guestMemory(), m.concurrency(), m.inFlight());
    }

    private static ServerLoadWrk.Result measure(ServerLoadWrk wrk, String url, Path lua, int c, int seconds)
            throws Exception {
        wrk.run(url, lua, c, 2); // discarded: the other model's queue drains, connections settle
        return wrk.run(url, lua, c, seconds);
    }

    private static ServerLoadStats stats(double[] v) {
        return ServerLoadStats.of(Arrays.stream(v).boxed().toList());
    }

    private InFlightComparison() {}
}
