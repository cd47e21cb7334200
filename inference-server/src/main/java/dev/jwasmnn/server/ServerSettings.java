package dev.jwasmnn.server;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How {@code jwasm-nn serve} runs: listeners, limits, which models load at start.
 *
 * @param repository the model repository folder
 * @param host data-plane bind address
 * @param port data-plane port (0 = any free port)
 * @param adminHost admin listener bind address; anything but loopback requires a token
 * @param adminPort admin port (0 = any free port)
 * @param adminToken bearer token the admin API requires, if set
 * @param maxBodyBytes request body limit; larger bodies get 413
 * @param startupModels models to load at start (empty = all in the repository)
 * @param accessLog whether each request writes one log line
 * @param backendSettings {@code <backend>.<option>} settings for the inference backends
 * @param adminMaxBodyBytes the largest deploy upload the admin API takes
 * @param watchInterval poll the repository and apply changes this often, if set
 */
public record ServerSettings(
        Path repository,
        String host,
        int port,
        String adminHost,
        int adminPort,
        Optional<String> adminToken,
        long maxBodyBytes,
        List<String> startupModels,
        boolean accessLog,
        Map<String, String> backendSettings,
        long adminMaxBodyBytes,
        Optional<java.time.Duration> watchInterval) {

    public static final long DEFAULT_MAX_BODY = 64L << 20;
    public static final long DEFAULT_ADMIN_MAX_BODY = 4L << 30;

    public ServerSettings {
        startupModels = List.copyOf(startupModels);
        backendSettings = Map.copyOf(backendSettings);
        if (port < 0 || port > 65535 || adminPort < 0 || adminPort > 65535) {
            throw new IllegalArgumentException("ports must be from 0 to 65535");
        }
        if (maxBodyBytes < 1 || adminMaxBodyBytes < 1) {
            throw new IllegalArgumentException("the body limit must be positive");
        }
        if (adminToken.isPresent() && adminToken.get().isBlank()) {
            throw new IllegalArgumentException("the admin token must not be blank");
        }
    }

    /** Loopback defaults for tests and embedding: any free ports. */
    public static ServerSettings forTesting(Path repository) {
        return new ServerSettings(repository, "127.0.0.1", 0, "127.0.0.1", 0, Optional.empty(), DEFAULT_MAX_BODY,
                List.of(), false, Map.of(), DEFAULT_ADMIN_MAX_BODY, Optional.empty());
    }

    public ServerSettings withAdmin(String host, Optional<String> token) {
        return new ServerSettings(repository, this.host, port, host, adminPort, token, maxBodyBytes, startupModels,
                accessLog, backendSettings, adminMaxBodyBytes, watchInterval);
    }

    public ServerSettings withMaxBodyBytes(long bytes) {
        return new ServerSettings(repository, host, port, adminHost, adminPort, adminToken, bytes, startupModels,
                accessLog, backendSettings, adminMaxBodyBytes, watchInterval);
    }

    public ServerSettings withWatch(java.time.Duration interval) {
        return new ServerSettings(repository, host, port, adminHost, adminPort, adminToken, maxBodyBytes,
                startupModels, accessLog, backendSettings, adminMaxBodyBytes, Optional.of(interval));
    }

    public ServerSettings withAccessLog(boolean on) {
        return new ServerSettings(repository, host, port, adminHost, adminPort, adminToken, maxBodyBytes,
                startupModels, on, backendSettings, adminMaxBodyBytes, watchInterval);
    }
}
