package dev.jwasmnn.bench;

import ai.onnxruntime.OrtEnvironment;
import dev.jwasmnn.server.InferenceServer;
import dev.jwasmnn.server.ServerSettings;
import dev.jwasmnn.store.ModelStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Load test of the real server, in-process, with wrk over loopback, against the in-process
 * compute of the same models measured in the same JVM and run, and against two servers that do
 * nothing but HTTP ({@link ServerLoadFloor}). Each model's HTTP runs are bracketed by an
 * in-process reference before and after, so every difference and ratio compares figures taken
 * within a minute or two of each other. Run with {@code benchmarks/load.sh}.
 */
public final class ServerLoad {
    static final int[] CONCURRENCY = {1, 4, 32};
    /** The floors are measured where the goals are: latency at c=1, throughput at c=32. */
    static final int[] FLOOR_CONCURRENCY = {1, 32};
    private static final int WARMUP_SECONDS = 2;

    private static final String USAGE =
            "usage: [--duration S] [--rounds N] [--quick] [--model-concurrency MODEL=N] [--in-flight MODEL=N]";

    /**
     * Command line: {@code [--duration S] [--rounds N] [--quick] [--model-concurrency MODEL=N]...
     * [--in-flight MODEL=N]...}.
     */
    record Options(int seconds, int rounds, Map<String, Integer> modelConcurrency, Map<String, Integer> inFlight) {
        static Options parse(String[] args) {
            boolean quick = List.of(args).contains("--quick");
            int seconds = quick ? 2 : 5;
            int rounds = quick ? 1 : 3;
            Map<String, Integer> modelConcurrency = new LinkedHashMap<>();
            Map<String, Integer> inFlight = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> { }
                    case "--duration" -> seconds = positive(args, ++i);
                    case "--rounds" -> rounds = positive(args, ++i);
                    case "--model-concurrency" -> perModel(args, ++i, modelConcurrency);
                    case "--in-flight" -> perModel(args, ++i, inFlight);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (" + USAGE + ")");
                }
            }
            return new Options(seconds, rounds, Map.copyOf(modelConcurrency), Map.copyOf(inFlight));
        }

        private static void perModel(String[] args, int i, Map<String, Integer> into) {
            String v = i < args.length ? args[i] : "";
            if (!v.matches("[a-z][a-z0-9_-]*=[1-9][0-9]*")) {
                throw new IllegalArgumentException(args[i - 1] + " needs MODEL=N, e.g. mobilenet=2");
            }
            into.put(v.substring(0, v.indexOf('=')), Integer.parseInt(v.substring(v.indexOf('=') + 1)));
        }

        private static int positive(String[] args, int i) {
            if (i >= args.length || !args[i].matches("[1-9][0-9]*")) {
                throw new IllegalArgumentException(args[i - 1] + " needs a whole number from 1");
            }
            return Integer.parseInt(args[i]);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Path root = Path.of(System.getProperty("jwasmnn.root", ".")).toAbsolutePath().normalize();
        List<ServerLoadModel> models = ServerLoadModel.all(root.resolve("build/models")).stream()
                .map(m -> m.withConcurrency(options.modelConcurrency().getOrDefault(m.name(), m.concurrency())))
                .map(m -> m.withInFlight(options.inFlight().getOrDefault(m.name(), m.inFlight())))
                .toList();
        for (String name : java.util.stream.Stream.concat(options.modelConcurrency().keySet().stream(),
                options.inFlight().keySet().stream()).distinct().toList()) {
            if (models.stream().noneMatch(m -> m.name().equals(name))) {
                throw new IllegalArgumentException("no model '" + name + "' in this benchmark (tiny, mobilenet)");
            }
        }
        Path rawInfer = root.resolve("build/guests/raw-infer.wasm");
        requireFiles(models, rawInfer);
        String wrkVersion = ServerLoadWrk.version();
        Path scripts = Files.createTempDirectory("jwasmnn-load-lua");
        ServerLoadReport report = new ServerLoadReport(models, CONCURRENCY, FLOOR_CONCURRENCY);
        ServerLoadReport.Setup setup;
        try (ServerLoadRepository repo = ServerLoadRepository.create(models, rawInfer);
                InferenceServer server = InferenceServer.start(
                        ServerSettings.forTesting(repo.root()).withAccessLog(false), "load-benchmark");
                ServerLoadReference reference = new ServerLoadReference(server.store(), models);
                ServerLoadFloor floor = ServerLoadFloor.start()) {
            requireReady(server);
            ServerLoadWrk wrk = new ServerLoadWrk(scripts);
            String base = "http://127.0.0.1:" + server.port();
            check(models, reference, base);
            int warmup = Math.min(WARMUP_SECONDS, options.seconds());
            Rounds rounds = new Rounds(options, warmup, models, reference, floor, wrk, base, report);
            for (int round = 1; round <= options.rounds(); round++) {
                rounds.run("round " + round + "/" + options.rounds());
            }
            setup = setup(options, args, wrkVersion, reference.cores(), warmup, models);
        } finally {
            deleteScripts(scripts);
        }
        // After the server has stopped, so its shutdown log lines do not land inside the report.
        System.out.println();
        report.print(System.out, setup);
    }

    /**
     * One round, model by model: the in-process reference, the HTTP floors, every HTTP
     * configuration, and the reference again. The two references bracket the HTTP runs they are
     * compared with, so a machine that slows down during the round shows as drift in the report
     * instead of moving the overhead.
     */
    private record Rounds(Options options, int warmup, List<ServerLoadModel> models, ServerLoadReference reference,
            ServerLoadFloor floor, ServerLoadWrk wrk, String base, ServerLoadReport report) {

        void run(String tag) throws Exception {
            ServerLoadNoise start = ServerLoadNoise.sample();
            for (ServerLoadModel m : models) {
                ServerLoadReference.Round before = reference(tag, m, "before");
                Path floorLua = wrk.script("floor-" + m.name(), m.input(), ServerLoadPath.V2_RAW.headers);
                int answer = reference.expectedOutput(m).length;
                for (ServerLoadFloor.Kind kind : ServerLoadFloor.Kind.values()) {
                    for (int c : FLOOR_CONCURRENCY) {
                        ServerLoadWrk.Result r = measure(floor.url(kind, answer), floorLua, c);
                        report.add(m, kind, c, r);
                        progress(tag, m, kind.label, c, r);
                    }
                }
                for (ServerLoadPath path : ServerLoadPath.values()) {
                    Path lua = wrk.script(path.name().toLowerCase(Locale.ROOT) + "-" + m.name(), m.input(),
                            path.headers);
                    for (int c : CONCURRENCY) {
                        ServerLoadWrk.Result r = measure(base + path.urlPath(m), lua, c);
                        report.add(m, path, c, r);
                        progress(tag, m, path.label, c, r);
                    }
                }
                report.add(m, before, reference(tag, m, "after"));
            }
            double noise = ServerLoadNoise.sample().foreignShareSince(start);
            report.addNoise(noise);
            System.err.println(tag + " other processes' CPU: " + ServerLoadStats.percent(noise));
        }

        private ServerLoadReference.Round reference(String tag, ServerLoadModel m, String when) throws Exception {
            ServerLoadReference.Round r = reference.measure(m, Duration.ofSeconds(options.seconds()));
            System.err.println(tag + " " + m.name() + " in-process (" + when + "): "
                    + ServerLoadReference.describe(r, reference.cores()));
            return r;
        }

        private ServerLoadWrk.Result measure(String url, Path lua, int c) throws Exception {
            wrk.run(url, lua, c, warmup); // discarded: connections, JIT and queues settle first
            return wrk.run(url, lua, c, options.seconds());
        }

        private static void progress(String tag, ServerLoadModel m, String what, int c, ServerLoadWrk.Result r) {
            System.err.println(String.format("%s %s %s c=%d: %s req/s, p50 %s µs, p99 %s µs%s", tag, m.name(), what,
                    c, ServerLoadStats.rate(r.requestsPerSec()), ServerLoadStats.micros(r.p50Micros()),
                    ServerLoadStats.micros(r.p99Micros()),
                    r.clean() ? "" : "  ERRORS: " + r.non2xx() + " non-2xx, " + r.socketErrors() + " socket errors"));
        }
    }

    /** One checked request per path and model before any load. */
    private static void check(List<ServerLoadModel> models, ServerLoadReference reference, String base)
            throws Exception {
        for (ServerLoadModel m : models) {
            byte[] expected = reference.expectedOutput(m);
            for (ServerLoadPath path : ServerLoadPath.values()) {
                ServerLoadCheck.expect(base + path.urlPath(m), path, m.inputBytes(), expected);
            }
        }
    }

    private static ServerLoadReport.Setup setup(Options o, String[] args, String wrkVersion, int cores, int warmup,
            List<ServerLoadModel> models) {
        String machine = cpuModel() + ", " + cores + " cores, JDK " + Runtime.version() + " ("
                + System.getProperty("java.vendor") + "), ONNX Runtime " + OrtEnvironment.getEnvironment().getVersion()
                + ", " + wrkVersion;
        String command = System.getProperty("jwasmnn.bench.command",
                "java dev.jwasmnn.bench.ServerLoad " + String.join(" ", args)).trim();
        String concurrency = Arrays.stream(CONCURRENCY).mapToObj(Integer::toString).collect(Collectors.joining(", "));
        String settings = o.rounds() + " round(s) × " + o.seconds() + " s per configuration, " + warmup
                + " s wrk warm-up (discarded) before each; `"
                + String.join(" ", ServerLoadWrk.command("<url>", "<post.lua>", "<C>", o.seconds()))
                + "` with C in {" + concurrency + "} (HTTP alone: C in {1, 32}); server in-process, access log off; model concurrency: "
                + models.stream().map(m -> m.name() + " " + (m.concurrency() == 0 ? cores + " (the default: cores)"
                        : m.concurrency())).collect(Collectors.joining(", "))
                + "; in flight: " + models.stream().map(m -> m.name() + " " + (m.inFlight() == 0
                        ? "2 × concurrency (the default)" : m.inFlight())).collect(Collectors.joining(", "))
                + "; max_queue 256";
        return new ServerLoadReport.Setup(machine, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), command,
                settings);
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static void requireFiles(List<ServerLoadModel> models, Path guest) {
        for (ServerLoadModel m : models) {
            for (Path p : List.of(m.onnx(), m.input())) {
                require(p);
            }
        }
        require(guest);
    }

    private static void require(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(p + " is missing: run scripts/prepare-examples (benchmarks/load.sh does)");
        }
    }

    private static void requireReady(InferenceServer server) {
        List<ModelStatus> notReady = server.store().index().stream().filter(s -> !s.ready()).toList();
        if (!notReady.isEmpty()) {
            throw new IllegalStateException("models did not load: " + notReady.stream()
                    .map(s -> s.name() + " " + s.state() + s.lastError().map(e -> ": " + e).orElse(""))
                    .collect(Collectors.joining("; ")));
        }
    }

    private static void deleteScripts(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    private ServerLoad() {}
}
