package dev.jwasmnn.server;

import dev.jwasmnn.guest.GuestRunner;
import dev.jwasmnn.nn.abi.WasiNn;
import dev.jwasmnn.nn.abi.WasiNnConfig;
import dev.jwasmnn.preprocess.guest.JwasmCv;
import dev.jwasmnn.nn.registry.Backends;
import dev.jwasmnn.nn.spi.BackendSettings;
import dev.jwasmnn.store.ModelRepository;
import dev.jwasmnn.store.ModelStore;
import dev.jwasmnn.store.RepositoryWatcher;
import io.helidon.http.DirectHandler;
import io.helidon.http.NotFoundException;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * jwasm-nn's HTTP server: the data plane (inference, Open Inference Protocol, metrics, health)
 * on one listener and the admin API on another, over one {@link ModelStore}. Owns everything it
 * creates (backends, guest runner, store) and closes it in reverse order on {@link #close()}.
 */
public final class InferenceServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(InferenceServer.class.getName());
    static final String ADMIN_SOCKET = "admin";

    private final ServerSettings settings;
    private final Backends backends;
    private final GuestRunner runner;
    private final ModelStore store;
    private final DirectInference direct;
    private final AtomicBoolean startupDone = new AtomicBoolean();
    private WebServer web;
    private RepositoryWatcher watcher;

    private InferenceServer(ServerSettings settings) {
        this.settings = settings;
        checkAdminExposure(settings);
        this.backends = Backends.discover(BackendSettings.of(settings.backendSettings()));
        // Guests get their graphs per request (WasiNnGrants): nothing is reachable host-wide.
        this.runner = GuestRunner.builder()
                .extension(new WasiNn(WasiNnConfig.builder(backends).allowGuestModels(false).build()))
                // Denied unless a model's config grants it (guest.allow_cv).
                .extension(new JwasmCv(false))
                .build();
        this.store = new ModelStore(new ModelRepository(settings.repository()), backends, runner, new PipelineExtension());
        this.direct = new DirectInference();
    }

    /**
     * Loads the startup models, then opens both listeners. A model that fails to load is logged
     * and shown in status; the server still starts (and reports not ready).
     */
    public static InferenceServer start(ServerSettings settings, String version) {
        InferenceServer server = new InferenceServer(settings);
        try {
            Map<String, String> failed = server.store.loadAll(settings.startupModels());
            failed.forEach((m, why) -> LOG.log(System.Logger.Level.ERROR, "model " + m + " did not load: " + why));
            server.startupDone.set(true);
            settings.watchInterval().ifPresent(i -> server.watcher = RepositoryWatcher.start(server.store, i));
            server.web = server.listen(version);
            return server;
        } catch (RuntimeException | Error e) {
            server.close();
            throw e;
        }
    }

    private WebServer listen(String version) {
        ServerMetrics metrics = ServerMetrics.global();
        InferenceRoutes inference = new InferenceRoutes(store, runner, direct, metrics, settings.accessLog(),
                () -> startupDone.get() && InferenceRoutes.noneFailed(store.index()),
                version);
        AdminRoutes admin = new AdminRoutes(store, settings.adminToken(), settings.adminMaxBodyBytes());
        HttpRouting.Builder data = HttpRouting.builder();
        // Every answer of the data port carries a request id: metadata, health and 404s too.
        data.addFilter((chain, req, res) -> {
            res.header(Http.REQUEST_ID, InferenceRoutes.requestId(req));
            chain.proceed();
        });
        inference.register(data);
        HttpRouting.Builder control = HttpRouting.builder();
        admin.register(control);
        // Not a catch-all route: that would shadow /metrics, which the observe feature adds later.
        data.error(NotFoundException.class, InferenceServer::noEndpoint).error(Exception.class, InferenceServer::unexpected);
        control.error(NotFoundException.class, InferenceServer::noEndpoint).error(Exception.class, InferenceServer::unexpected);
        return WebServer.builder()
                .host(settings.host())
                .port(settings.port())
                .maxPayloadSize(settings.maxBodyBytes())
                .contentEncoding(RequestDecompression.context(settings.maxBodyBytes()))
                .addProtocol(Http1Config.builder().addReceiveListener(DisconnectWatch.LISTENER).build())
                // Helidon 4.3.4 raises the 413 as a BAD_REQUEST event.
                .directHandlers(dh -> dh
                        .addHandler(DirectHandler.EventType.BAD_REQUEST, inference::transportError)
                        .addHandler(DirectHandler.EventType.PAYLOAD_TOO_LARGE, inference::transportError)
                        .addHandler(DirectHandler.EventType.INTERNAL_ERROR, inference::transportError))
                .routing(data)
                .putSocket(ADMIN_SOCKET, s -> s.host(settings.adminHost()).port(settings.adminPort())
                        .maxPayloadSize(settings.adminMaxBodyBytes()).routing(control))
                .addFeature(ObserveFeature.builder()
                        .endpoint("/")
                        .addObserver(MetricsObserver.builder().endpoint("metrics").build())
                        .build())
                .build()
                .start();
    }

    /** Never echo an unexpected exception's message to the client: it may carry internals. */
    private static void unexpected(ServerRequest req, ServerResponse res, Exception e) {
        LOG.log(System.Logger.Level.ERROR, "unexpected failure on " + req.prologue().uriPath().rawPath(), e);
        Http.error(res, 500, "internal error");
    }

    private static void noEndpoint(ServerRequest req, ServerResponse res, NotFoundException e) {
        Http.error(res, 404, "no endpoint " + req.prologue().method().text() + " " + req.prologue().uriPath().rawPath()
                + " (see /v2 for the protocol's endpoints, /v1/infer/<model> for guests)");
    }

    /** A non-loopback admin listener without a token would let anyone on the network swap models. */
    private static void checkAdminExposure(ServerSettings s) {
        boolean loopback;
        try {
            loopback = InetAddress.getByName(s.adminHost()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("admin host '" + s.adminHost() + "' does not resolve");
        }
        if (!loopback && s.adminToken().isEmpty()) {
            throw new IllegalArgumentException("the admin API binds to " + s.adminHost()
                    + ", which is not loopback: set a token (--admin-token-file FILE or JWASMNN_ADMIN_TOKEN)"
                    + " or bind it to 127.0.0.1");
        }
    }

    public int port() {
        return web.port();
    }

    public int adminPort() {
        return web.port(ADMIN_SOCKET);
    }

    public ModelStore store() {
        return store;
    }

    public Backends backends() {
        return backends;
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
        if (web != null) {
            web.stop();
        }
        // Computes and guests first (a forward pass a request gave up on may still run), then
        // the graphs they hold, then the backends.
        direct.close();
        runner.close();
        store.close();
        backends.close();
    }
}
