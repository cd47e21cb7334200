package dev.jwasmnn.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

/**
 * Collects every round's figures and prints the markdown report. Ratios and differences are
 * taken within each round (HTTP against the mean of the references measured just before and just
 * after it), then summarised, so drift between rounds does not enter them; drift within a round
 * is shown beside them.
 */
final class ServerLoadReport {
    static final double THROUGHPUT_GOAL = 0.85;

    /** What the report says about how it was made. */
    record Setup(String machine, String date, String command, String settings) {}

    private final List<ServerLoadModel> models;
    private final int[] concurrency;
    private final int[] floorConcurrency;
    /** Per model, per round: the mean of the two bracketing references. */
    private final Map<String, List<ServerLoadReference.Round>> reference = new LinkedHashMap<>();
    /** Per model, per round: reference p50 after / before. */
    private final Map<String, List<Double>> drift = new LinkedHashMap<>();
    private final Map<String, List<ServerLoadWrk.Result>> http = new LinkedHashMap<>();
    private final List<String> noise = new ArrayList<>();

    ServerLoadReport(List<ServerLoadModel> models, int[] concurrency, int[] floorConcurrency) {
        this.models = models;
        this.concurrency = concurrency.clone();
        this.floorConcurrency = floorConcurrency.clone();
    }

    void add(ServerLoadModel m, ServerLoadReference.Round before, ServerLoadReference.Round after) {
        reference.computeIfAbsent(m.name(), k -> new ArrayList<>()).add(ServerLoadReference.Round.mean(before, after));
        drift.computeIfAbsent(m.name(), k -> new ArrayList<>()).add(after.graphP50Micros() / before.graphP50Micros());
    }

    void add(ServerLoadModel m, ServerLoadFloor.Kind kind, int c, ServerLoadWrk.Result result) {
        http.computeIfAbsent(floorKey(m, kind, c), k -> new ArrayList<>()).add(result);
    }

    private static String floorKey(ServerLoadModel m, ServerLoadFloor.Kind kind, int c) {
        return m.name() + " " + kind.label + " c=" + c;
    }

    private List<ServerLoadWrk.Result> floor(ServerLoadModel m, ServerLoadFloor.Kind kind, int c) {
        return http.getOrDefault(floorKey(m, kind, c), List.of());
    }

    void add(ServerLoadModel m, ServerLoadPath path, int c, ServerLoadWrk.Result result) {
        http.computeIfAbsent(key(m, path, c), k -> new ArrayList<>()).add(result);
    }

    /** Other processes' share of the CPU during one round. */
    void addNoise(double share) {
        noise.add("round " + (noise.size() + 1) + ": " + ServerLoadStats.percent(share));
    }

    private static String key(ServerLoadModel m, ServerLoadPath path, int c) {
        return m.name() + " " + path.label + " c=" + c;
    }

    private List<ServerLoadWrk.Result> http(ServerLoadModel m, ServerLoadPath path, int c) {
        return http.getOrDefault(key(m, path, c), List.of());
    }

    void print(PrintStream out, Setup setup) {
        out.println("# jwasm-nn server under load (wrk) vs in-process compute, same run");
        out.println();
        out.println("- Machine: " + setup.machine());
        out.println("- Date: " + setup.date());
        out.println("- Command: `" + setup.command() + "`");
        out.println("- Settings: " + setup.settings());
        out.println("- Figures are the median over rounds with the range across rounds in brackets. Differences and"
                + " ratios are taken per round against the mean of the in-process references measured just before"
                + " and just after that model's HTTP runs, then summarised.");
        out.println("- HTTP alone: the same wrk script against two servers that read the body and answer as many"
                + " zero bytes as the model's answer, with no model (`ServerLoadFloor`): blocking JDK sockets"
                + " with 64 KiB reads, and a bare Helidon route. Their p50 at c=1 is the least any server"
                + " (any Helidon server) could add on this machine. At c=32, if HTTP and compute costs add on the"
                + " shared cores, no server exceeds floor / (in-process max + floor) of the in-process maximum.");
        out.println("- wrk runs on the same cores as the server, so at high concurrency the load generator's own CPU"
                + " use counts against the server's throughput.");
        out.println("- CPU used by other processes on this shared machine (share of all cores; a round with much"
                + " of it is suspect): " + String.join("; ", noise) + ".");
        out.println();
        printErrors(out);
        for (ServerLoadModel m : models) {
            printModel(out, m);
        }
    }

    /** Any error response or socket error is listed before everything else. */
    private void printErrors(PrintStream out) {
        List<String> bad = new ArrayList<>();
        http.forEach((k, results) -> {
            long non2xx = results.stream().mapToLong(ServerLoadWrk.Result::non2xx).sum();
            long socket = results.stream().mapToLong(ServerLoadWrk.Result::socketErrors).sum();
            if (non2xx + socket > 0) {
                bad.add(k + ": " + non2xx + " non-2xx responses, " + socket + " socket errors");
            }
        });
        if (bad.isEmpty()) {
            out.println("Errors: none (no non-2xx responses, no socket errors in any run).");
        } else {
            out.println("**WARNING: ERRORS DURING THE LOAD — the affected figures are not valid:**");
            bad.forEach(b -> out.println("- **" + b + "**"));
        }
        out.println();
    }

    private void printModel(PrintStream out, ServerLoadModel m) {
        List<ServerLoadReference.Round> ref = reference.getOrDefault(m.name(), List.of());
        long bytes = Arrays.stream(m.shape()).reduce(Float.BYTES, (a, b) -> a * b);
        out.println("## " + m.name() + " (FP32 " + Arrays.toString(m.shape()) + ", " + bytes + "-byte body)");
        out.println();
        out.println("In-process, same JVM and run (single thread back to back for the p50; throughput is the"
                + " best of 1 and all-core threads, each with its own context):");
        out.println();
        out.println("| in-process | p50 µs | throughput /s |");
        out.println("|---|---:|---:|");
        out.println("| **server's own graph** (setInput, compute, output copy): the reference below | "
                + stat(ref, ServerLoadReference.Round::graphP50Micros).format(ServerLoadStats::micros) + " | "
                + stat(ref, ServerLoadReference.Round::maxThroughput).format(ServerLoadStats::rate)
                + " (1 thread " + stat(ref, ServerLoadReference.Round::throughput1).format(ServerLoadStats::rate)
                + "; all cores " + stat(ref, ServerLoadReference.Round::throughputN).format(ServerLoadStats::rate)
                + ") |");
        out.println("| direct ONNX Runtime (`DirectOnnxRuntime`, reused direct buffer) | "
                + stat(ref, ServerLoadReference.Round::directP50Micros).format(ServerLoadStats::micros) + " | |");
        out.println();
        out.println("Drift of the reference within a round (p50 after the HTTP runs / before): "
                + ServerLoadStats.of(drift.getOrDefault(m.name(), List.of())).format(ServerLoadStats::ratio) + ".");
        out.println();
        out.println("| path | concurrency | throughput req/s | p50 µs | p99 µs | requests (all rounds) | errors |");
        out.println("|---|---:|---:|---:|---:|---:|---|");
        for (ServerLoadFloor.Kind kind : ServerLoadFloor.Kind.values()) {
            for (int c : floorConcurrency) {
                printRow(out, "HTTP alone: " + kind.label, c, floor(m, kind, c));
            }
        }
        for (ServerLoadPath path : ServerLoadPath.values()) {
            for (int c : concurrency) {
                printRow(out, path.label + " `" + path.urlPath(m) + "`", c, http(m, path, c));
            }
        }
        out.println();
        printGoals(out, m, ref);
    }

    private static void printRow(PrintStream out, String what, int c, List<ServerLoadWrk.Result> r) {
        out.println("| " + what + " | " + c + " | "
                + stat(r, ServerLoadWrk.Result::requestsPerSec).format(ServerLoadStats::rate) + " | "
                + stat(r, ServerLoadWrk.Result::p50Micros).format(ServerLoadStats::micros) + " | "
                + stat(r, ServerLoadWrk.Result::p99Micros).format(ServerLoadStats::micros) + " | "
                + r.stream().mapToLong(ServerLoadWrk.Result::requests).sum() + " | " + errors(r) + " |");
    }

    private void printGoals(PrintStream out, ServerLoadModel m, List<ServerLoadReference.Round> ref) {
        int low = concurrency[0];
        int high = concurrency[concurrency.length - 1];
        List<ServerLoadWrk.Result> socketLow = floor(m, ServerLoadFloor.Kind.SOCKET, low);
        List<ServerLoadWrk.Result> helidonLow = floor(m, ServerLoadFloor.Kind.HELIDON, low);
        List<ServerLoadWrk.Result> socketHigh = floor(m, ServerLoadFloor.Kind.SOCKET, high);
        List<ServerLoadWrk.Result> helidonHigh = floor(m, ServerLoadFloor.Kind.HELIDON, high);
        out.println("| derived (per round, then median and range) | path | value | goal | bound from HTTP alone:"
                + " JDK socket / Helidon (latency: its p50; throughput: floor / (max + floor)) | met? |");
        out.println("|---|---|---:|---:|---:|---|");
        for (ServerLoadPath path : ServerLoadPath.values()) {
            List<ServerLoadWrk.Result> r = http(m, path, low);
            ServerLoadStats overhead = ServerLoadStats.of(perRound(ref.size(), r.size(),
                    i -> r.get(i).p50Micros() - ref.get(i).graphP50Micros()));
            out.println("| server overhead at c=" + low + " = end-to-end p50 − in-process compute p50 | " + path.label
                    + " | " + overhead.format(ServerLoadStats::signedMicros) + " µs | ≤ "
                    + ServerLoadStats.micros(path.overheadGoalMicros) + " µs | "
                    + stat(socketLow, ServerLoadWrk.Result::p50Micros).format(ServerLoadStats::micros) + " / "
                    + stat(helidonLow, ServerLoadWrk.Result::p50Micros).format(ServerLoadStats::micros) + " µs | "
                    + overheadVerdict(overhead.median(), path.overheadGoalMicros,
                            stat(socketLow, ServerLoadWrk.Result::p50Micros).median()) + " |");
        }
        for (ServerLoadPath path : ServerLoadPath.values()) {
            List<ServerLoadWrk.Result> r = http(m, path, high);
            ServerLoadStats ratio = ServerLoadStats.of(perRound(ref.size(), r.size(),
                    i -> r.get(i).requestsPerSec() / ref.get(i).maxThroughput()));
            out.println("| throughput at c=" + high + " / in-process max | " + path.label + " | "
                    + ratio.format(ServerLoadStats::ratio) + " | ≥ " + ServerLoadStats.ratio(THROUGHPUT_GOAL) + " | "
                    + ceiling(socketHigh, ref).format(ServerLoadStats::ratio) + " / "
                    + ceiling(helidonHigh, ref).format(ServerLoadStats::ratio) + " | "
                    + met(ratio.median() >= THROUGHPUT_GOAL) + " |");
        }
        out.println();
    }

    /**
     * Whether the overhead meets its goal; but an overhead below what HTTP alone costs cannot be
     * real: the in-process reference moved (a MobileNetV2 inference here drifts by ±10 % within
     * minutes, several times the goal), and the figure says nothing.
     */
    private static String overheadVerdict(double overhead, double goal, double httpAlone) {
        if (overhead < httpAlone) {
            return "**not measurable**: below HTTP alone, the in-process reference moved";
        }
        return met(overhead <= goal);
    }

    /**
     * The most a server could reach, as a share of the in-process maximum, if the two costs
     * simply add on the shared cores: a request takes at least 1/floor rate of them for HTTP
     * (wrk's side included) and 1/in-process max for the compute, so the rate is at most
     * 1 / (1/max + 1/floor), and the share floor / (max + floor). Per round.
     */
    private static ServerLoadStats ceiling(List<ServerLoadWrk.Result> floor, List<ServerLoadReference.Round> ref) {
        return ServerLoadStats.of(perRound(ref.size(), floor.size(), i -> {
            double http = floor.get(i).requestsPerSec();
            return http / (ref.get(i).maxThroughput() + http);
        }));
    }

    private static List<Double> perRound(int a, int b, IntToDoubleFunction f) {
        return IntStream.range(0, Math.min(a, b)).mapToDouble(f).boxed().toList();
    }

    private static <T> ServerLoadStats stat(List<T> rounds, ToDoubleFunction<T> figure) {
        return ServerLoadStats.of(rounds.stream().map(figure::applyAsDouble).toList());
    }

    private static String errors(List<ServerLoadWrk.Result> r) {
        long non2xx = r.stream().mapToLong(ServerLoadWrk.Result::non2xx).sum();
        long socket = r.stream().mapToLong(ServerLoadWrk.Result::socketErrors).sum();
        return non2xx + socket == 0 ? "0" : "**" + non2xx + " non-2xx, " + socket + " socket errors**";
    }

    private static String met(boolean yes) {
        return yes ? "yes" : "**no**";
    }
}
