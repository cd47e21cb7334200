package dev.jwasmnn.server;

import dev.jwasmnn.guest.GuestInvocation;
import dev.jwasmnn.guest.GuestLimits;
import dev.jwasmnn.guest.GuestModule;
import dev.jwasmnn.guest.GuestResult;
import dev.jwasmnn.guest.GuestRunner;
import dev.jwasmnn.nn.ComputeSlots;
import dev.jwasmnn.nn.abi.WasiNnGrants;
import dev.jwasmnn.preprocess.guest.CvGrant;
import dev.jwasmnn.store.ModelLease;
import dev.jwasmnn.store.ModelVersion;
import dev.jwasmnn.store.config.GuestConfig;
import dev.jwasmnn.store.config.ResponseMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Runs a model's guest for one request, WAGI style: a fresh instance of the once-compiled
 * module, the request body on stdin, request metadata in the environment, the response from
 * stdout. The guest may load its own model's graph (pinned to the leased version) and what
 * its config grants, nothing else.
 */
final class GuestCall {
    private static final System.Logger LOG = System.getLogger(GuestCall.class.getName());

    /**
     * Request headers never shown to guests: credentials and connection framing, and
     * Content-Encoding, since the guest gets the body already decompressed.
     */
    private static final Set<String> HIDDEN_HEADERS = Set.of(
            "authorization", "proxy-authorization", "cookie", "connection", "keep-alive", "te", "upgrade",
            "transfer-encoding", "host", "content-length", "content-type", "content-encoding");

    private final GuestRunner runner;

    GuestCall(GuestRunner runner) {
        this.runner = runner;
    }

    /** The request as the guest sees it. */
    record Request(String requestId, String contentType, String query, Map<String, String> headers, byte[] body) {}

    /**
     * Runs the guest and turns its output into a response.
     *
     * @param computeSlots the model's compute turns: the guest runs at once, its computes wait for a turn
     * @param deadlineNanos the request's deadline ({@link System#nanoTime()})
     * @param timings receives the guest and compute times
     * @param runEnded called exactly once, when the run is truly over (also if it never starts)
     * @throws HttpProblem 500/504 when the guest fails, traps or runs out of time
     */
    GuestResponse call(ModelLease lease, ComputeSlots computeSlots, Request request, long deadlineNanos,
            RequestTimings timings, Runnable runEnded) {
        GuestResult result;
        boolean handedOver = false;
        try {
            Duration timeLeft = Duration.ofNanos(Math.max(1, deadlineNanos - System.nanoTime()));
            GuestModule module = lease.version().guest().orElseThrow();
            GuestInvocation invocation = invocation(lease, computeSlots, request, timeLeft, runEnded);
            handedOver = true; // the runner calls runEnded from here on, whatever happens
            result = runner.run(module, invocation);
        } finally {
            if (!handedOver) {
                runEnded.run();
            }
        }
        return answer(lease.version(), request, result, timings);
    }

    private GuestInvocation invocation(ModelLease lease, ComputeSlots computeSlots, Request request, Duration timeLeft,
            Runnable runEnded) {
        ModelVersion version = lease.version();
        GuestModule module = version.guest().orElseThrow();
        GuestConfig guest = version.config().guest().orElse(GuestConfig.defaults());
        List<String> argv = new ArrayList<>();
        argv.add(module.name());
        for (String a : guest.args()) {
            argv.add(a.replace("{model}", version.model()).replace("{version}", Long.toString(version.version())));
        }
        return GuestInvocation.builder()
                .args(argv)
                .env(guest.env())
                .env(environment(version, request))
                .stdin(request.body())
                .limits(new GuestLimits(guest.memoryBytes(), guest.maxStdoutBytes(), guest.maxStderrBytes(), timeLeft))
                .attach(WasiNnGrants.class, new WasiNnGrants(lease.guestResolver(), guest.allowModelBytes(), computeSlots))
                .attach(CvGrant.class, new CvGrant(guest.allowCv()))
                .onEnd(runEnded)
                .build();
    }

    private GuestResponse answer(ModelVersion version, Request request, GuestResult result, RequestTimings timings) {
        GuestConfig guest = version.config().guest().orElse(GuestConfig.defaults());
        // A wait for a turn is queueing, not guest time: each nanosecond counts once.
        timings.guestNanos = result.elapsed().toNanos() - result.computeWaitNanos();
        timings.computeNanos = result.computeNanos();
        timings.queueNanos += result.computeWaitNanos();
        if (result.stderr().length > 0) {
            LOG.log(System.Logger.Level.INFO, "guest " + version + " request " + request.requestId() + " stderr: "
                    + abbreviate(result.stderrText()));
        }
        switch (result.outcome()) {
            case EXITED -> {
                if (result.exitCode() != 0) {
                    throw new HttpProblem(500, "the guest of model '" + version.model() + "' exited with code "
                            + result.exitCode() + " (its stderr is in the server log, request id " + request.requestId() + ")");
                }
            }
            case DEADLINE_EXCEEDED -> throw HttpProblem.deadline("the request's deadline passed while the guest ran");
            case CANCELLED -> throw new HttpProblem(499, "the client closed the connection");
            case HOST_ERROR -> {
                LOG.log(System.Logger.Level.ERROR, "guest " + version + " request " + request.requestId()
                        + ": host error: " + result.message());
                throw new HttpProblem(500, "the server could not run the guest (details in the server log, request id "
                        + request.requestId() + ")");
            }
            default -> throw new HttpProblem(500, "the guest of model '" + version.model() + "' failed: "
                    + result.outcome().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": " + result.message());
        }
        return guest.response() == ResponseMode.CGI
                ? GuestResponse.cgi(result.stdout(), guest.contentType())
                : GuestResponse.body(result.stdout(), guest.contentType());
    }

    /** CGI-like variables plus ours; see docs/serving.md ("Guest I/O contract"). */
    private static Map<String, String> environment(ModelVersion version, Request request) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JWASMNN_MODEL", version.model());
        env.put("JWASMNN_MODEL_VERSION", Long.toString(version.version()));
        env.put("JWASMNN_REQUEST_ID", request.requestId());
        env.put("REQUEST_METHOD", "POST");
        env.put("CONTENT_LENGTH", Integer.toString(request.body().length));
        if (request.contentType() != null) {
            env.put("CONTENT_TYPE", request.contentType());
        }
        env.put("QUERY_STRING", request.query() == null ? "" : request.query());
        request.headers().forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!HIDDEN_HEADERS.contains(lower)) {
                env.put("HTTP_" + lower.toUpperCase(Locale.ROOT).replace('-', '_'), value);
            }
        });
        return env;
    }

    private static String abbreviate(String s) {
        String one = s.strip().replace('\n', ' ');
        return one.length() > 2000 ? one.substring(0, 2000) + "..." : one;
    }
}
