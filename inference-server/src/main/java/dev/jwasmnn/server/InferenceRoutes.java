package dev.jwasmnn.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jwasmnn.guest.GuestRunner;
import dev.jwasmnn.nn.ComputeSlots;
import dev.jwasmnn.nn.GraphEncoding;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorSpec;
import dev.jwasmnn.preprocess.Pipeline;
import dev.jwasmnn.preprocess.spi.StepContext;
import dev.jwasmnn.preprocess.spi.StepException;
import dev.jwasmnn.server.oip.InferRequest;
import dev.jwasmnn.server.oip.InferRequestDecoder;
import dev.jwasmnn.server.oip.ModelInputBinder;
import dev.jwasmnn.server.oip.ModelMetadataEncoder;
import dev.jwasmnn.server.oip.OipException;
import dev.jwasmnn.server.oip.OipJson;
import dev.jwasmnn.store.ModelLease;
import dev.jwasmnn.store.ModelState;
import dev.jwasmnn.store.ModelStatus;
import dev.jwasmnn.store.ModelStore;
import dev.jwasmnn.store.ModelUnavailableException;
import dev.jwasmnn.store.ModelVersion;
import dev.jwasmnn.store.config.ModelNames;
import dev.jwasmnn.util.Quantities;
import io.helidon.common.buffers.DataReader;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.RequestException;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The data plane: {@code POST /v1/infer/<model>} (through the model's guest, or the Open
 * Inference Protocol body when it has none) and the Open Inference Protocol V2 endpoints.
 * Every request is leased to one model version for its whole life, waits for a slot in the
 * model's bounded queue, and ends in exactly one metrics record and one log line.
 */
final class InferenceRoutes {
    private static final System.Logger ACCESS = System.getLogger("dev.jwasmnn.access");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bodies from this size on are read into one exact-size array (Helidon's reader grows by doubling). */
    private static final long LARGE_BODY = 64 * 1024;
    /** Queue waits from this long on get their connection watched for a client that hangs up. */
    private static final long WATCH_AFTER_NANOS = 50_000_000L;

    private final ModelStore store;
    private final GuestCall guests;
    private final DirectInference direct;
    private final ModelQueues queues;
    private final ServerMetrics metrics;
    private final boolean accessLog;
    private final BooleanSupplier serverReady;
    private final String serverVersion;

    InferenceRoutes(ModelStore store, GuestRunner runner, DirectInference direct, ServerMetrics metrics,
            boolean accessLog, BooleanSupplier serverReady, String serverVersion) {
        this.store = store;
        this.guests = new GuestCall(runner);
        this.direct = direct;
        this.queues = new ModelQueues(metrics, store::servingConfig);
        this.metrics = metrics;
        this.accessLog = accessLog;
        this.serverReady = serverReady;
        this.serverVersion = serverVersion;
    }

    void register(HttpRules rules) {
        rules.post("/v1/infer/{model}", (req, res) -> infer(req, res, Protocol.V1, -1))
                .get("/v2", this::serverMetadata)
                .get("/v2/health/live", (req, res) -> health(res, "live", true))
                .head("/v2/health/live", (req, res) -> Http.status(res, 200))
                .get("/v2/health/ready", (req, res) -> health(res, "ready", serverReady.getAsBoolean()))
                .head("/v2/health/ready", (req, res) -> Http.status(res, serverReady.getAsBoolean() ? 200 : 400))
                .get("/v2/models/{model}", (req, res) -> modelMetadata(req, res, -1))
                .get("/v2/models/{model}/versions/{version}", (req, res) -> modelMetadata(req, res, version(req)))
                .get("/v2/models/{model}/ready", (req, res) -> modelReady(req, res, -1))
                .head("/v2/models/{model}/ready", (req, res) -> modelReady(req, res, -1))
                .get("/v2/models/{model}/versions/{version}/ready", (req, res) -> modelReady(req, res, version(req)))
                .head("/v2/models/{model}/versions/{version}/ready", (req, res) -> modelReady(req, res, version(req)))
                .post("/v2/models/{model}/infer", (req, res) -> infer(req, res, Protocol.V2, -1))
                .post("/v2/models/{model}/versions/{version}/infer", (req, res) -> infer(req, res, Protocol.V2, version(req)))
                // Wrong methods, unknown sub-paths, and names with '/' in them (decoded from %2F).
                .any("/v1/infer/*", InferenceRoutes::noSuchEndpoint)
                .any("/v2/models/*", InferenceRoutes::noSuchEndpoint);
    }

    /**
     * Health: the status is the answer (200 true, 400 false, as Triton answers), and the body says
     * it too, {@code {"live": true}}, since KServe's own REST client reads the body.
     */
    private static void health(ServerResponse res, String what, boolean yes) {
        ObjectNode o = JSON.createObjectNode();
        o.put(what, yes);
        Http.json(res, yes ? 200 : 400, o.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private enum Protocol { V1, V2 }

    // ---- inference ----

    private void infer(ServerRequest req, ServerResponse res, Protocol protocol, long pinnedVersion) {
        DisconnectWatch.OfRequest watch = new DisconnectWatch.OfRequest();
        try {
            answer(req, res, protocol, pinnedVersion, watch);
        } finally {
            // The answer is written: the connection may read its next request once the watch is over.
            watch.end();
        }
    }

    private void answer(ServerRequest req, ServerResponse res, Protocol protocol, long pinnedVersion,
            DisconnectWatch.OfRequest watch) {
        RequestTimings timings = new RequestTimings();
        String model = req.path().pathParameters().get("model");
        // Set by the routing's filter; the same rule when this route runs without it.
        String requestId = res.headers().first(Http.REQUEST_ID).orElse(null);
        if (requestId == null) {
            requestId = requestId(req);
            res.header(Http.REQUEST_ID, requestId);
        }
        String versionLabel = "";
        int status = 500;
        long bytesIn = 0;
        long bytesOut = 0;
        String error = null;
        try {
            checkName(model);
            if (pinnedVersion == -2) {
                throw HttpProblem.badRequest("the version in the path must be a whole number from 1");
            }
            byte[] body = readBody(req);
            timings.readNanos = System.nanoTime() - timings.startNanos;
            bytesIn = body.length;
            try (ModelLease lease = store.acquire(model, pinnedVersion)) {
                ModelVersion version = lease.version();
                versionLabel = Long.toString(version.version());
                long deadline = AdmissionQueue.deadlineAfter(timings.startNanos, deadline(req, version));
                Optional<Pipeline> pipeline = version.attachment(Pipeline.class);
                Sent sent;
                if (protocol == Protocol.V1 && version.guest().isPresent()) {
                    sent = throughGuest(req, res, lease, body, requestId, deadline, timings, watch);
                } else if (protocol == Protocol.V1 && pipeline.isPresent() && pipeline.get().pre().isPresent()) {
                    sent = throughPipeline(req, res, version, pipeline.get(), body, deadline, timings, watch);
                } else {
                    sent = direct(req, res, version, body, deadline, timings, watch);
                }
                status = sent.status();
                bytesOut = sent.bytes();
            }
        } catch (HttpProblem e) {
            status = e.status();
            error = e.getMessage();
        } catch (OipException e) {
            status = e.status();
            error = e.getMessage();
        } catch (StepException e) {
            status = e.status();
            error = e.getMessage();
        } catch (ModelUnavailableException e) {
            status = e.reason() == ModelUnavailableException.Reason.NOT_FOUND ? 404 : 503;
            error = e.getMessage();
        } catch (CloseConnectionException | UncheckedIOException | DataReader.InsufficientDataAvailableException e) {
            // The connection broke: the body never arrived whole, or the answer could not be written.
            status = 499;
            error = "the client closed the connection";
        } catch (RuntimeException e) {
            status = 500;
            // The details stay in the log: exception text can carry paths and internals.
            error = "internal error (request id " + requestId + ")";
            System.getLogger(InferenceRoutes.class.getName()).log(System.Logger.Level.ERROR,
                    "request " + requestId + " to model " + model + " failed", e);
        }
        if (error != null) {
            // Also for 499: nobody reads it, but Helidon insists every route answers.
            try {
                Http.error(res, status, error);
            } catch (CloseConnectionException | UncheckedIOException e) {
                // Gone before the error could be written: still counted and logged below.
            }
        }
        // Label only models the store knows: client-chosen names would grow the metrics without end.
        String label = store.knows(model) ? model : "_unknown";
        ServerMetrics.VersionMeters meters = metrics.of(label, versionLabel);
        long total = timings.elapsedNanos();
        ServerMetrics.record(meters.request(), total);
        ServerMetrics.record(meters.queue(), timings.queueNanos);
        ServerMetrics.record(meters.guest(), timings.guestNanos);
        ServerMetrics.record(meters.inference(), timings.computeNanos);
        metrics.countRequest(label, versionLabel, status);
        if (accessLog) {
            ACCESS.log(System.Logger.Level.INFO, String.format(
                    "%s %s model=%s version=%s status=%d total_us=%d read_us=%d queue_us=%d guest_us=%d compute_us=%d in=%d out=%d%s",
                    requestId, protocol == Protocol.V1 ? "v1" : "v2", ModelNames.isValid(model) ? model : "(invalid)",
                    versionLabel.isEmpty() ? "-" : versionLabel,
                    status, total / 1000, timings.readNanos / 1000, timings.queueNanos / 1000, timings.guestNanos / 1000,
                    timings.computeNanos / 1000, bytesIn, bytesOut, error == null ? "" : " error=\"" + oneLine(error) + "\""));
        }
    }

    /**
     * An error message as one access-log field: messages quote client-chosen names, which must not
     * start a line of their own or close the quotes.
     */
    static String oneLine(String message) {
        StringBuilder b = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** What went back to the client. */
    private record Sent(int status, long bytes) {}

    /**
     * The model's pipeline, no guest: the body (an image ...) through the preprocessing step,
     * the graph, and the postprocessing step's JSON, or the Open Inference Protocol response of
     * the outputs when there is no postprocessing step.
     */
    private Sent throughPipeline(ServerRequest req, ServerResponse res, ModelVersion version, Pipeline pipeline,
            byte[] body, long deadline, RequestTimings timings, DisconnectWatch.OfRequest watch) {
        String contentType = req.headers().contentType().map(Object::toString).orElse(null);
        StepContext context = new StepContext();
        byte[] answer;
        String answerType = "application/json";
        try (AdmissionQueue.Permit permit = admit(version.model(), version, deadline, timings, res, watch)) {
            // In flight: decoding and resizing run beside another request's compute; only the compute takes a turn.
            List<Tensor> inputs = pipeline.preprocess(body, contentType, context);
            if (inputs.size() != version.inputs().size()) {
                throw new StepException(500, "the preprocessing step made " + inputs.size()
                        + " tensor(s) but the model takes " + version.inputs().size());
            }
            for (int i = 0; i < inputs.size(); i++) {
                TensorSpec spec = version.inputs().get(i);
                Tensor t = inputs.get(i);
                if (!spec.isAny() && (t.type() != spec.type() || !spec.shapeAccepts(t.shape()))) {
                    throw new StepException(500, "the preprocessing step made " + t.type() + Arrays.toString(t.shape())
                            + " but model input " + spec.name() + " is " + spec.type() + spec.describeShape()
                            + " (check the step's size, layout and dtype)");
                }
            }
            if (pipeline.post().isPresent()) {
                answer = direct.run(version, computeSlots(version), inputs, deadline, timings,
                        outputs -> OipJson.bytes(pipeline.postprocess(outputs, context)));
            } else {
                DirectInference.Result r = direct.infer(version, computeSlots(version), InferRequest.all(), inputs,
                        deadline, timings);
                answer = r.body();
                answerType = r.response().contentType();
            }
        }
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, answerType);
        res.send(answer);
        return new Sent(200, answer.length);
    }

    private Sent throughGuest(ServerRequest req, ServerResponse res, ModelLease lease, byte[] body, String requestId,
            long deadline, RequestTimings timings, DisconnectWatch.OfRequest watch) {
        GuestCall.Request guestRequest = new GuestCall.Request(requestId,
                req.headers().contentType().map(Object::toString).orElse(null), req.query().rawValue(), headers(req), body);
        GuestResponse out;
        ComputeSlots slots = computeSlots(lease.version());
        SharedPlace place = new SharedPlace(admit(lease.version().model(), lease.version(), deadline, timings, res, watch));
        try {
            // Nothing between the place and the call: GuestCall takes the run's share of it.
            out = guests.call(lease, slots, guestRequest, deadline, timings, place::done);
        } finally {
            place.done();
        }
        res.status(Status.create(out.status()));
        res.header(HeaderNames.CONTENT_TYPE, out.contentType());
        out.headers().forEach((name, values) -> res.header(HeaderNames.create(name), values.toArray(String[]::new)));
        res.send(out.bytes(), out.offset(), out.length());
        return new Sent(out.status(), out.length());
    }

    private Sent direct(ServerRequest req, ServerResponse res, ModelVersion version, byte[] body, long deadline,
            RequestTimings timings, DisconnectWatch.OfRequest watch) {
        InferRequest request = InferRequestDecoder.decode(body, inferenceHeaderLength(req), version.inputs());
        List<Tensor> inputs = ModelInputBinder.bindInputs(request, version.inputs());
        if (!version.outputs().isEmpty()) {
            // Otherwise (TorchScript without declared outputs) they are named after the compute.
            ModelInputBinder.checkRequestedOutputs(request, version.outputs());
        }
        DirectInference.Result result;
        try (AdmissionQueue.Permit permit = admit(version.model(), version, deadline, timings, res, watch)) {
            result = direct.infer(version, computeSlots(version), request, inputs, deadline, timings);
        }
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, result.response().contentType());
        result.response().inferenceHeaderLength()
                .ifPresent(n -> res.header(Http.INFERENCE_HEADER_LENGTH, Integer.toString(n)));
        res.send(result.body());
        return new Sent(200, result.body().length);
    }

    private ComputeSlots computeSlots(ModelVersion version) {
        return queues.computeSlots(version.model(), version.config());
    }

    private AdmissionQueue.Permit admit(String model, ModelVersion version, long deadline, RequestTimings timings,
            ServerResponse res, DisconnectWatch.OfRequest watch) {
        AdmissionQueue queue = queues.of(model, version.config());
        long start = System.nanoTime();
        AdmissionQueue.Permit immediate = queue.tryEnter();
        if (immediate != null) {
            return immediate;
        }
        AdmissionQueue.Permit permit = null;
        try {
            // A long wait gets its connection watched, so a client that hangs up frees its place.
            permit = queue.enter(deadline, start + WATCH_AFTER_NANOS, () -> watch.start(res));
        } catch (AdmissionQueue.Refused e) {
            timings.queueNanos = System.nanoTime() - start;
            if (watch.clientGone()) {
                throw new HttpProblem(499, "the client closed the connection while the request was queued");
            }
            throw new HttpProblem(e.queueFull ? 503 : 504, e.getMessage());
        } catch (InterruptedException e) {
            // Our watch interrupted us (or the server is stopping): the slot was never taken.
        }
        timings.queueNanos = System.nanoTime() - start;
        boolean clientGone = watch.clientGone();
        if (permit == null || clientGone) {
            if (permit != null) {
                permit.close();
            }
            throw new HttpProblem(499, "the client closed the connection while the request was queued");
        }
        return permit;
    }

    private static byte[] readBody(ServerRequest req) {
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        // Helidon decodes a gzip or deflate body (RequestDecompression); Content-Length then counts
        // the compressed bytes, so the decoded body is read to its end instead.
        Optional<String> encoding = req.headers().first(HeaderNames.CONTENT_ENCODING);
        OptionalLong declared = encoding.isPresent() ? OptionalLong.empty() : req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() < LARGE_BODY) {
            try {
                return req.content().as(byte[].class);
            } catch (RequestException e) {
                throw bodyProblem(e);
            }
        }
        try (InputStream in = req.content().inputStream()) {
            if (declared.isPresent() && declared.getAsLong() <= Integer.MAX_VALUE - 8) {
                // One array of the exact size: no doubling copies for a 600 KB tensor.
                int length = (int) declared.getAsLong();
                byte[] body = new byte[length];
                int read = in.readNBytes(body, 0, length);
                if (read != length) {
                    throw HttpProblem.badRequest("the body ended after " + read + " of " + length + " bytes");
                }
                return body;
            }
            // A decoded stream stops at the body limit itself (413).
            return in.readAllBytes();
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            // Only a decoder throws these: the compressed data is corrupt or cut short.
            throw RequestDecompression.notDecodable(encoding.orElse("data"), e);
        } catch (java.io.IOException e) {
            throw new HttpProblem(400, "cannot read the request body: " + e.getMessage());
        } catch (RequestException e) {
            throw bodyProblem(e);
        }
    }

    private static HttpProblem bodyProblem(RequestException e) {
        if (e.status().code() == 413) {
            return new HttpProblem(413, "the request body is larger than the server's limit");
        }
        return new HttpProblem(e.status().code(), "cannot read the request body: " + e.getMessage());
    }

    /** The model's deadline, or the client's shorter one from {@code X-Request-Timeout}. */
    private static Duration deadline(ServerRequest req, ModelVersion version) {
        Duration model = version.config().deadline();
        var asked = req.headers().first(Http.REQUEST_TIMEOUT);
        if (asked.isEmpty()) {
            return model;
        }
        Duration d;
        try {
            d = Quantities.parseDuration(asked.get());
        } catch (IllegalArgumentException e) {
            throw HttpProblem.badRequest(Http.REQUEST_TIMEOUT.defaultCase() + ": " + e.getMessage());
        }
        return d.compareTo(model) < 0 ? d : model;
    }

    private static OptionalInt inferenceHeaderLength(ServerRequest req) {
        var h = req.headers().first(Http.INFERENCE_HEADER_LENGTH);
        if (h.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            int n = Integer.parseInt(h.get().trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return OptionalInt.of(n);
        } catch (NumberFormatException e) {
            throw HttpProblem.badRequest(OipJson.INFERENCE_HEADER_CONTENT_LENGTH + " '" + h.get()
                    + "' is not a byte count");
        }
    }

    private static Map<String, String> headers(ServerRequest req) {
        Map<String, String> out = new LinkedHashMap<>();
        req.headers().forEach(h -> out.put(h.name(), h.values()));
        return out;
    }

    /** The client's X-Request-Id when it is sane, else a fresh one. */
    static String requestId(ServerRequest req) {
        return requestId(req.headers().first(Http.REQUEST_ID).orElse(null));
    }

    /** The client's id when it is sane (printable ASCII, at most 128 characters), else a fresh one. */
    private static String requestId(String given) {
        if (given != null && given.length() <= 128 && given.chars().allMatch(c -> c > 32 && c < 127)) {
            return given;
        }
        return Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    }

    private static long version(ServerRequest req) {
        String v = req.path().pathParameters().get("version");
        try {
            long n = Long.parseLong(v);
            return n >= 1 ? n : -2;
        } catch (NumberFormatException e) {
            return -2;
        }
    }

    private static final Pattern MODEL_IN_PATH = Pattern.compile("/(v1/infer|v2/models)/([^/?]+).*");

    /**
     * Errors Helidon answers before routing (bad framing, a declared body over the limit) get what
     * a routed request gets: our JSON shape, a request id, a count in the metrics (for the model
     * the path names) and an access-log line.
     */
    DirectHandler.TransportResponse transportError(DirectHandler.TransportRequest request,
            DirectHandler.EventType event, Status status, ServerResponseHeaders headers, String message) {
        Optional<String> encoding = request.headers().first(HeaderNames.CONTENT_ENCODING);
        String text;
        if (status.code() == 400 && encoding.isPresent() && !RequestDecompression.decodes(encoding.get())) {
            // A coding this server does not decode (RFC 9110: 415); other 400s keep their status.
            status = Status.UNSUPPORTED_MEDIA_TYPE_415;
            text = "Content-Encoding '" + encoding.get() + "' is not supported: send the body uncompressed, "
                    + "or as gzip or deflate";
        } else {
            text = status.code() == 413 ? "the request body is larger than the server's limit"
                    : status.code() >= 500 ? "internal error"
                    : message == null || message.isBlank() ? "bad request" : "bad request: " + message;
        }
        String id = requestId(request.headers().first(Http.REQUEST_ID).orElse(null));
        Matcher m = MODEL_IN_PATH.matcher(request.path() == null ? "" : request.path());
        String model = m.matches() ? m.group(2) : null;
        if (model != null) {
            metrics.countRequest(store.knows(model) ? model : "_unknown", "", status.code());
        }
        if (accessLog) {
            ACCESS.log(System.Logger.Level.INFO, String.format(
                    "%s %s model=%s version=- status=%d total_us=0 read_us=0 queue_us=0 guest_us=0 compute_us=0 in=0 out=0"
                            + " error=\"%s\"",
                    id, model == null ? "-" : m.group(1).startsWith("v1") ? "v1" : "v2",
                    model != null && ModelNames.isValid(model) ? model : "(invalid)", status.code(), oneLine(text)));
        }
        return DirectHandler.TransportResponse.builder()
                .status(status)
                .headers(headers)
                .header(Http.REQUEST_ID, id)
                .header(HeaderNames.CONTENT_TYPE, OipJson.CONTENT_TYPE_JSON)
                .entity(OipJson.errorJson(text))
                .build();
    }

    /** The protocol's paths under /v1/infer and /v2/models, with the methods each answers. */
    private static final List<Map.Entry<Pattern, String>> ENDPOINTS = List.of(
            Map.entry(Pattern.compile("/v1/infer/[^/]+"), "POST"),
            Map.entry(Pattern.compile("/v2/models/[^/]+(/versions/[^/]+)?/infer"), "POST"),
            Map.entry(Pattern.compile("/v2/models/[^/]+(/versions/[^/]+)?/ready"), "GET, HEAD"),
            Map.entry(Pattern.compile("/v2/models/[^/]+(/versions/[^/]+)?"), "GET"));

    /**
     * A path no route took. A known endpoint asked with the wrong method gets 405 (with Allow);
     * with the right method it can only be a name with an encoded '/' in it, which gets 400 and
     * the naming rule; anything else is 404.
     */
    private static void noSuchEndpoint(ServerRequest req, ServerResponse res) {
        String raw = req.prologue().uriPath().rawPath();
        String method = req.prologue().method().text();
        for (Map.Entry<Pattern, String> e : ENDPOINTS) {
            if (e.getKey().matcher(raw).matches()) {
                if (List.of(e.getValue().split(", ")).contains(method)) {
                    Http.error(res, 400, "invalid model name in " + raw + ": model names are " + ModelNames.RULE);
                } else {
                    res.header(HeaderNames.ALLOW, e.getValue());
                    Http.error(res, 405, "no endpoint " + method + " " + raw + ": it answers " + e.getValue());
                }
                return;
            }
        }
        Http.error(res, 404, "no endpoint " + method + " " + raw + " (the protocol's endpoints are in docs/serving.md)");
    }

    private static void checkName(String model) {
        if (!ModelNames.isValid(model)) {
            throw HttpProblem.badRequest("invalid model name '" + model + "': " + ModelNames.RULE);
        }
    }

    // ---- metadata and health ----

    private void serverMetadata(ServerRequest req, ServerResponse res) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", "jwasm-nn");
        o.put("version", serverVersion);
        // Not model_repository: that API is on the admin listener, which clients of this port cannot reach.
        o.putArray("extensions").add("binary_tensor_data");
        Http.json(res, 200, o.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private void modelMetadata(ServerRequest req, ServerResponse res, long version) {
        String model = req.path().pathParameters().get("model");
        try {
            checkName(model);
            if (version == -2) {
                throw HttpProblem.badRequest("the version in the path must be a whole number from 1");
            }
            List<ModelVersion> served = store.servedVersions(model);
            try (ModelLease lease = store.acquire(model, version)) {
                ModelVersion v = lease.version();
                List<String> versions = served.stream().map(s -> Long.toString(s.version())).toList();
                Http.json(res, 200, ModelMetadataEncoder.encode(model, versions, platform(v.graph().graph().encoding()),
                        v.inputs(), v.outputs()));
            }
        } catch (HttpProblem e) {
            Http.error(res, e.status(), e.getMessage());
        } catch (ModelUnavailableException e) {
            Http.error(res, e.reason() == ModelUnavailableException.Reason.NOT_FOUND ? 404 : 503, e.getMessage());
        }
    }

    private void modelReady(ServerRequest req, ServerResponse res, long version) {
        String model = req.path().pathParameters().get("model");
        if (!ModelNames.isValid(model) || version == -2) {
            Http.status(res, 400);
            return;
        }
        try (ModelLease lease = store.acquire(model, version)) {
            Http.status(res, 200);
        } catch (ModelUnavailableException e) {
            Http.status(res, e.reason() == ModelUnavailableException.Reason.NOT_FOUND ? 404 : 400);
        }
    }

    static String platform(GraphEncoding e) {
        return switch (e) {
            case ONNX -> "onnxruntime_onnx";
            case PYTORCH -> "pytorch_libtorch";
            default -> e.displayName().toLowerCase();
        };
    }

    /**
     * Server readiness: no model failed to load (with no version left to serve). Models that are
     * not loaded, because they were unloaded or never asked for, do not count (Triton's strict
     * readiness does the same), and neither does a model's first load in progress.
     */
    static boolean noneFailed(List<ModelStatus> statuses) {
        return statuses.stream().noneMatch(s -> s.state() == ModelState.FAILED);
    }
}
