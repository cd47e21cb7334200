package dev.jwasmnn.cli;

import dev.jwasmnn.server.InferenceServer;
import dev.jwasmnn.server.ServerSettings;
import dev.jwasmnn.util.Quantities;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jwasm-nn serve}: the HTTP server over a model repository. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Serve the models of a repository over HTTP: POST /v1/infer/<model> (through the model's guest),",
            "the Open Inference Protocol V2 under /v2, Prometheus metrics at /metrics, and the admin API",
            "(load, unload, reload) on a second listener."
        },
        footer = {
            "",
            "Settings come from the command line, then --config FILE (YAML, see docs/serving.md), then defaults.",
            "",
            "Example:",
            "  jwasm-nn serve --models build/repository",
            "  curl --data-binary @build/models/sample-224.bmp http://localhost:8080/v1/infer/mobilenet"
        })
final class ServeCommand implements Callable<Integer> {
    static final int EXIT_USAGE = 2;
    static final int EXIT_START_FAILED = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--models", paramLabel = "DIR", description = "The model repository (<model>/<version>/model.onnx).")
    Path models;

    @Option(names = "--host", paramLabel = "ADDR", description = "Data-plane bind address (default 0.0.0.0).")
    String host;

    @Option(names = "--port", paramLabel = "P", description = "Data-plane port (default 8080; 0 = any free port).")
    Integer port;

    @Option(names = "--admin-host", paramLabel = "ADDR",
            description = "Admin bind address (default 127.0.0.1; anything else needs a token).")
    String adminHost;

    @Option(names = "--admin-port", paramLabel = "Q", description = "Admin port (default 8081; 0 = any free port).")
    Integer adminPort;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "File holding the bearer token the admin API requires (or set JWASMNN_ADMIN_TOKEN).")
    Path adminTokenFile;

    @Option(names = "--max-body", paramLabel = "SIZE", converter = Sizes.SizeConverter.class,
            description = "Request body limit; larger bodies get 413 (default 64m).")
    Long maxBody;

    @Option(names = "--admin-max-body", paramLabel = "SIZE", converter = Sizes.SizeConverter.class,
            description = "Largest upload `jwasm-nn deploy` may send (default 4g).")
    Long adminMaxBody;

    @Option(names = "--load", paramLabel = "MODEL",
            description = "Load only these models at start (repeatable; default: every model in the repository).")
    List<String> load = new ArrayList<>();

    @Option(names = "--watch", arity = "0..1", fallbackValue = "2s", paramLabel = "INTERVAL",
            converter = Sizes.DurationConverter.class,
            description = "Poll the repository (default every 2s) and load, reload or unload models whose folders"
                    + " changed and then stayed unchanged for one more poll. Writers: stage in a hidden folder"
                    + " and rename, see docs/serving.md.")
    java.time.Duration watch;

    @Option(names = "--access-log", negatable = true, description = "One log line per request (default on).")
    Boolean accessLog;

    @Option(names = "--backend-setting", paramLabel = "KEY=VALUE",
            description = "Backend option, e.g. onnxruntime.intra_op_threads=2 (repeatable).")
    List<String> backendSettings = new ArrayList<>();

    @Option(names = "--config", paramLabel = "FILE", description = "YAML settings file (keys in docs/serving.md).")
    Path configFile;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ServerSettings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException | io.helidon.config.ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Logging.serving();
        InferenceServer server;
        try {
            server = InferenceServer.start(settings, VersionProvider.version());
        } catch (RuntimeException e) {
            err.println("jwasm-nn: the server did not start: " + e.getMessage());
            err.flush();
            return EXIT_START_FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "jwasm-nn-shutdown"));
        err.println("jwasm-nn: serving " + settings.repository() + " on http://" + settings.host() + ":" + server.port()
                + " (admin on " + settings.adminHost() + ":" + server.adminPort() + ")");
        err.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    ServerSettings settings() {
        Config file = configFile == null ? Config.empty() : loadConfig(configFile);
        Path repository = models != null ? models
                : file.get("models.repository").asString().map(Path::of).orElseThrow(() ->
                        new IllegalArgumentException("give the model repository: --models DIR"));
        if (!Files.isDirectory(repository)) {
            throw new IllegalArgumentException("--models " + repository + " is not a directory");
        }
        Optional<String> token = readToken(adminTokenFile != null ? adminTokenFile
                : file.get("admin.token-file").asString().map(Path::of).orElse(null));
        List<String> startup = !load.isEmpty() ? load : file.get("models.load").asList(String.class).orElse(List.of());
        Map<String, String> backends = new LinkedHashMap<>();
        file.get("backends").detach().asMap().orElse(Map.of()).forEach(backends::put);
        for (String kv : backendSettings) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--backend-setting '" + kv + "' must be KEY=VALUE");
            }
            backends.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        long body = maxBody != null ? maxBody : file.get("server.max-body").asString()
                .map(Quantities::parseBytes).orElse(ServerSettings.DEFAULT_MAX_BODY);
        return new ServerSettings(
                repository,
                host != null ? host : file.get("server.host").asString().orElse("0.0.0.0"),
                port != null ? port : file.get("server.port").asInt().orElse(8080),
                adminHost != null ? adminHost : file.get("admin.host").asString().orElse("127.0.0.1"),
                adminPort != null ? adminPort : file.get("admin.port").asInt().orElse(8081),
                token,
                body,
                startup,
                accessLog != null ? accessLog : file.get("server.access-log").asBoolean().orElse(true),
                backends,
                adminMaxBody != null ? adminMaxBody : file.get("admin.max-body").asString()
                        .map(Quantities::parseBytes).orElse(ServerSettings.DEFAULT_ADMIN_MAX_BODY),
                Optional.ofNullable(watch).or(() -> file.get("models.watch").asString().map(Quantities::parseDuration)));
    }

    private static Config loadConfig(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("--config " + path + " is not a file");
        }
        return Config.just(ConfigSources.file(path));
    }

    private static Optional<String> readToken(Path file) {
        if (file == null) {
            return Optional.ofNullable(System.getenv("JWASMNN_ADMIN_TOKEN")).map(String::strip).filter(s -> !s.isEmpty());
        }
        try {
            String t = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (t.isEmpty()) {
                throw new IllegalArgumentException("admin token file " + file + " is empty");
            }
            return Optional.of(t);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read admin token file " + file + ": " + e.getMessage());
        }
    }
}
