package dev.jwasmnn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Talks to a server's admin API for the {@code models} and {@code deploy} commands, turning
 * every failure into a message that says what to do and an exit code.
 */
final class AdminClient {
    static final String DEFAULT_SERVER = "http://127.0.0.1:8081";
    static final int EXIT_FAILED = 1;
    static final int EXIT_UNREACHABLE = 3;
    static final int EXIT_UNAUTHORIZED = 4;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A failed call: the message for the user and the exit code. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final int exitCode;

        Failure(int exitCode, String message) {
            super(message, null, false, false);
            this.exitCode = exitCode;
        }
    }

    private final URI server;
    private final Optional<String> token;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    AdminClient(String server, Optional<String> token) {
        String s = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
        if (!s.startsWith("http://") && !s.startsWith("https://")) {
            throw new IllegalArgumentException("--server '" + server + "' must be a URL such as " + DEFAULT_SERVER);
        }
        this.server = URI.create(s);
        this.token = token;
    }

    /** Prints a failed call the way every admin command does; returns its exit code. */
    static int report(Failure f, java.io.PrintWriter err) {
        err.println("jwasm-nn: " + f.getMessage());
        err.flush();
        return f.exitCode;
    }

    /** The token from --token, else --token-file, else JWASMNN_ADMIN_TOKEN. */
    static Optional<String> token(String given, Path file) {
        if (given != null) {
            return Optional.of(given);
        }
        if (file != null) {
            try {
                return Optional.of(Files.readString(file).strip());
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read --token-file " + file + ": " + e.getMessage());
            }
        }
        return Optional.ofNullable(System.getenv("JWASMNN_ADMIN_TOKEN")).filter(t -> !t.isBlank());
    }

    JsonNode post(String path, HttpRequest.BodyPublisher body, String contentType) throws Failure {
        HttpRequest.Builder b = request(path).POST(body);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(b.build());
    }

    JsonNode get(String path) throws Failure {
        return send(request(path).GET().build());
    }

    private HttpRequest.Builder request(String path) {
        // Loads compile guests and warm models up: minutes for big models, so a generous timeout.
        HttpRequest.Builder b = HttpRequest.newBuilder(server.resolve(path)).timeout(Duration.ofMinutes(10));
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return b;
    }

    private JsonNode send(HttpRequest request) throws Failure {
        HttpResponse<byte[]> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw new Failure(EXIT_UNREACHABLE, "cannot connect to the admin API at " + server
                    + ": is `jwasm-nn serve` running there? (set --server URL; the admin port defaults to 8081)");
        } catch (HttpTimeoutException e) {
            throw new Failure(EXIT_UNREACHABLE, "the admin API at " + server + " did not answer in time");
        } catch (IOException e) {
            throw new Failure(EXIT_UNREACHABLE, "talking to " + server + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(EXIT_FAILED, "interrupted");
        }
        JsonNode body = parse(r.body());
        if (r.statusCode() == 401) {
            throw new Failure(EXIT_UNAUTHORIZED, "the admin API wants a token: pass --token T or --token-file FILE"
                    + " (or set JWASMNN_ADMIN_TOKEN) with the server's admin token");
        }
        if (r.statusCode() >= 300) {
            String error = body != null && body.has("error") ? body.get("error").asText() : "HTTP " + r.statusCode();
            throw new Failure(EXIT_FAILED, error);
        }
        return body;
    }

    private static JsonNode parse(byte[] bytes) {
        try {
            return bytes.length == 0 ? null : JSON.readTree(bytes);
        } catch (IOException e) {
            return null;
        }
    }
}
