package dev.jwasmnn.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jwasmnn.store.ModelDeployer;
import dev.jwasmnn.store.ModelLoadException;
import dev.jwasmnn.store.ModelStatus;
import dev.jwasmnn.store.ModelStore;
import dev.jwasmnn.store.ModelUnavailableException;
import dev.jwasmnn.store.config.ConfigException;
import dev.jwasmnn.store.config.ModelNames;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The control plane on its own listener: Triton's repository API
 * ({@code POST /v2/repository/index}, {@code .../models/{m}/load}, {@code .../unload}) plus
 * {@code .../reload} and {@code GET .../models/{m}/status}. With a token configured, every call
 * must carry {@code Authorization: Bearer <token>}.
 */
final class AdminRoutes {
    private static final System.Logger LOG = System.getLogger(AdminRoutes.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelStore store;
    private final ModelDeployer deployer;
    private final Optional<byte[]> token;
    private final long maxDeployBytes;

    AdminRoutes(ModelStore store, Optional<String> token, long maxDeployBytes) {
        this.store = store;
        this.deployer = new ModelDeployer(store);
        this.token = token.map(t -> t.getBytes(StandardCharsets.UTF_8));
        this.maxDeployBytes = maxDeployBytes;
    }

    void register(HttpRules rules) {
        rules.post("/v2/repository/index", guarded(this::index))
                .post("/v2/repository/models/{model}/load", guarded((req, res) -> load(req, res, "load")))
                .post("/v2/repository/models/{model}/reload", guarded((req, res) -> load(req, res, "reload")))
                .post("/v2/repository/models/{model}/unload", guarded(this::unload))
                .post("/v2/repository/models/{model}/deploy", guarded(this::deploy))
                .get("/v2/repository/models/{model}/status", guarded(this::status))
                // Anything else under models/ has a name with '/' in it (or no such action).
                .any("/v2/repository/models/*", guarded((req, res) -> Http.error(res, 400,
                        "invalid model name or action in " + req.prologue().uriPath().rawPath() + ": names are "
                                + ModelNames.RULE + "; actions are load, reload, unload, deploy, status")));
    }

    private Handler guarded(Handler h) {
        return (req, res) -> {
            if (token.isPresent()) {
                String given = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
                byte[] expected = ("Bearer " + new String(token.get(), StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8);
                // Constant time, so the comparison leaks nothing about the token.
                if (!MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
                    res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
                    Http.error(res, 401, "the admin API needs 'Authorization: Bearer <token>' (jwasm-nn models ... --token T)");
                    return;
                }
            }
            h.handle(req, res);
        };
    }

    private void index(ServerRequest req, ServerResponse res) {
        ArrayNode out = JSON.createArrayNode();
        store.index().forEach(s -> out.add(toJson(s)));
        Http.json(res, 200, bytes(out));
    }

    private void load(ServerRequest req, ServerResponse res, String verb) {
        String model = modelName(req, res);
        if (model == null) {
            return;
        }
        try {
            ModelStatus s = store.load(model);
            LOG.log(System.Logger.Level.INFO, "admin " + verb + " " + model + ": serving " + s.versions());
            Http.json(res, 200, bytes(toJson(s)));
        } catch (ModelUnavailableException e) {
            Http.error(res, 404, e.getMessage());
        } catch (ModelLoadException | ConfigException e) {
            // 400 like Triton: the request was understood, the model is what is wrong.
            Http.error(res, 400, "failed to " + verb + " model '" + model + "': " + e.getMessage());
        }
    }

    /** A zip of config.yaml, guest.wasm and/or model.onnx|model.pt (see {@link ModelDeployer}). */
    private void deploy(ServerRequest req, ServerResponse res) {
        String model = modelName(req, res);
        if (model == null) {
            return;
        }
        OptionalLong version = OptionalLong.empty();
        Optional<String> v = req.query().first("version").asOptional();
        if (v.isPresent()) {
            try {
                version = OptionalLong.of(Long.parseLong(v.get()));
            } catch (NumberFormatException e) {
                Http.error(res, 400, "version '" + v.get() + "' is not a whole number");
                return;
            }
        }
        try (var in = req.content().inputStream()) {
            ModelDeployer.Deployed d = deployer.deploy(model, version, in, maxDeployBytes);
            ObjectNode o = toJson(d.status());
            o.put("deployed_version", Long.toString(d.version()));
            Http.json(res, 200, bytes(o));
        } catch (ModelDeployer.DeployException e) {
            Http.error(res, 400, "deploy refused: " + e.getMessage());
        } catch (ModelLoadException | ConfigException e) {
            Http.error(res, 400, "deploy of model '" + model + "' failed to load, the repository is restored and"
                    + " the previous version keeps serving: " + e.getMessage());
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            Http.error(res, 500, "deploy failed: " + e.getMessage());
        }
    }

    private void unload(ServerRequest req, ServerResponse res) {
        String model = modelName(req, res);
        if (model == null) {
            return;
        }
        try {
            store.status(model);
        } catch (ModelUnavailableException e) {
            Http.error(res, 404, e.getMessage());
            return;
        }
        store.unload(model);
        Http.json(res, 200, bytes(toJson(store.status(model))));
    }

    private void status(ServerRequest req, ServerResponse res) {
        String model = modelName(req, res);
        if (model == null) {
            return;
        }
        try {
            Http.json(res, 200, bytes(toJson(store.status(model))));
        } catch (ModelUnavailableException e) {
            Http.error(res, 404, e.getMessage());
        }
    }

    /** The path's model name, or null after answering 400 when it breaks the naming rule. */
    private static String modelName(ServerRequest req, ServerResponse res) {
        String model = req.path().pathParameters().get("model");
        if (!ModelNames.isValid(model)) {
            Http.error(res, 400, "invalid model name '" + model + "': " + ModelNames.RULE);
            return null;
        }
        return model;
    }

    static ObjectNode toJson(ModelStatus s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", s.name());
        if (!s.versions().isEmpty()) {
            // Triton's index entry names one version; ours serves several, newest first here.
            o.put("version", Long.toString(s.versions().get(s.versions().size() - 1)));
        }
        o.put("state", s.state().name());
        ArrayNode versions = o.putArray("versions");
        s.versions().forEach(v -> versions.add(Long.toString(v)));
        s.lastError().ifPresent(e -> o.put("reason", e));
        s.lastErrorAt().ifPresent(t -> o.put("failed_at", t.toString()));
        s.warning().ifPresent(w -> o.put("warning", w));
        s.device().ifPresent(d -> o.put("device", d));
        s.guest().ifPresent(g -> o.put("guest", g));
        return o;
    }

    private static byte[] bytes(Object node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
