package dev.jwasmnn.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs wrk (one thread, keep-alive connections) and reads its summary. */
final class ServerLoadWrk {
    /** Long enough that only a real hang counts as a timeout: wrk's latency figures leave timeouts out. */
    static final String TIMEOUT = "10s";

    /**
     * One wrk run's summary.
     *
     * @param non2xx responses with a status of 400 or more (wrk's "Non-2xx or 3xx responses")
     * @param socketErrors connect, read, write and timeout errors together
     */
    record Result(double requestsPerSec, double p50Micros, double p99Micros, long requests, long non2xx,
            long socketErrors) {
        boolean clean() {
            return non2xx == 0 && socketErrors == 0;
        }
    }

    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern PERCENTILE = Pattern.compile("(?m)^\\s+(50|99)(?:\\.0+)?%\\s+([0-9.]+)(us|ms|s|m|h)\\s*$");
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern SOCKET = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    private final Path scripts;

    ServerLoadWrk(Path scripts) {
        this.scripts = scripts;
    }

    /** wrk's version line, e.g. "wrk debian/4.1.0-3 [epoll]". */
    static String version() {
        try {
            Process p = new ProcessBuilder("wrk", "-v").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out.lines().findFirst().orElse("wrk").replaceAll("\\s*Copyright.*", "").trim();
        } catch (IOException e) {
            throw new IllegalStateException("wrk is not installed (apt-get install wrk)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A Lua script that POSTs {@code body}'s bytes, read in binary mode, with these headers. */
    Path script(String name, Path body, Map<String, String> headers) throws IOException {
        StringBuilder lua = new StringBuilder()
                .append("local f = assert(io.open([==[").append(body.toAbsolutePath()).append("]==], \"rb\"))\n")
                .append("wrk.body = f:read(\"*a\")\n")
                .append("f:close()\n")
                .append("wrk.method = \"POST\"\n");
        headers.forEach((k, v) -> lua.append("wrk.headers[\"").append(k).append("\"] = \"").append(v).append("\"\n"));
        return Files.writeString(scripts.resolve(name + ".lua"), lua);
    }

    static List<String> command(String url, String script, String connections, int seconds) {
        return List.of("wrk", "-t1", "-c" + connections, "-d" + seconds + "s", "--latency", "--timeout", TIMEOUT,
                "-s", script, url);
    }

    Result run(String url, Path script, int connections, int seconds) throws IOException, InterruptedException {
        List<String> cmd = command(url, script.toString(), Integer.toString(connections), seconds);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        if (exit != 0) {
            throw new IllegalStateException("wrk exited with " + exit + ": " + String.join(" ", cmd) + "\n" + out);
        }
        try {
            return parse(out);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage() + " in wrk's output:\n" + out, e);
        }
    }

    static Result parse(String out) {
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        Matcher m = PERCENTILE.matcher(out);
        while (m.find()) {
            double micros = micros(Double.parseDouble(m.group(2)), m.group(3));
            if (m.group(1).equals("50")) {
                p50 = micros;
            } else {
                p99 = micros;
            }
        }
        if (Double.isNaN(p50) || Double.isNaN(p99)) {
            throw new IllegalArgumentException("no 50% and 99% latency lines");
        }
        long socketErrors = 0;
        Matcher s = SOCKET.matcher(out);
        if (s.find()) {
            for (int g = 1; g <= 4; g++) {
                socketErrors += Long.parseLong(s.group(g));
            }
        }
        return new Result(Double.parseDouble(find(RATE, out, "no Requests/sec line")), p50, p99,
                Long.parseLong(find(REQUESTS, out, "no request count")), count(NON_2XX, out), socketErrors);
    }

    private static String find(Pattern p, String out, String missing) {
        Matcher m = p.matcher(out);
        if (!m.find()) {
            throw new IllegalArgumentException(missing);
        }
        return m.group(1);
    }

    private static long count(Pattern p, String out) {
        Matcher m = p.matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static double micros(double value, String unit) {
        return switch (unit) {
            case "us" -> value;
            case "ms" -> value * 1e3;
            case "s" -> value * 1e6;
            case "m" -> value * 60e6;
            case "h" -> value * 3600e6;
            default -> throw new IllegalArgumentException("unknown latency unit " + unit);
        };
    }
}
