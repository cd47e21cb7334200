package dev.jwasmnn.store.config;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The guest that handles a model's requests, and what it is granted.
 *
 * @param module the guest file relative to the model folder; a version folder's own
 *     {@code guest.wasm} takes precedence
 * @param args argv after argv[0]; {@code {model}} and {@code {version}} are replaced
 * @param env extra environment variables
 * @param memoryBytes cap on linear memory
 * @param maxStdoutBytes cap on the response the guest writes
 * @param maxStderrBytes cap on what the guest logs
 * @param response how stdout becomes the response
 * @param contentType the response content type in {@link ResponseMode#BODY} mode
 * @param grants other models the guest may {@code load_by_name} (its own is always granted)
 * @param allowModelBytes whether the guest may {@code load} model bytes of its own
 * @param allowCv whether the guest may call the {@code jwasm_cv} host module (OpenCV preprocessing)
 */
public record GuestConfig(
        String module,
        List<String> args,
        Map<String, String> env,
        long memoryBytes,
        long maxStdoutBytes,
        long maxStderrBytes,
        ResponseMode response,
        String contentType,
        Set<String> grants,
        boolean allowModelBytes,
        boolean allowCv) {

    public static final String DEFAULT_MODULE = "guest.wasm";

    public GuestConfig {
        args = List.copyOf(args);
        env = Map.copyOf(env);
        grants = Set.copyOf(grants);
    }

    public static GuestConfig defaults() {
        return new GuestConfig(DEFAULT_MODULE, List.of(), Map.of(), 256L << 20, 16L << 20, 64L << 10,
                ResponseMode.BODY, "application/json", Set.of(), false, false);
    }
}
