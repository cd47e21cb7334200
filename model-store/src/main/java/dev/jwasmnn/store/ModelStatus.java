package dev.jwasmnn.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A model's state as the status API and the CLI show it.
 *
 * @param name model name
 * @param state lifecycle state
 * @param versions versions being served, ascending
 * @param lastError why the last load failed, if it did (the previous version may still serve)
 * @param lastErrorAt when it failed
 * @param warning a load-time warning such as a GPU fallback
 * @param device where the newest version runs (cpu, cuda:0 ...)
 * @param guest the newest version's guest module (name and sha256), if it has one
 */
public record ModelStatus(
        String name,
        ModelState state,
        List<Long> versions,
        Optional<String> lastError,
        Optional<Instant> lastErrorAt,
        Optional<String> warning,
        Optional<String> device,
        Optional<String> guest) {

    public ModelStatus {
        versions = List.copyOf(versions);
    }

    public boolean ready() {
        return state == ModelState.READY || (state == ModelState.LOADING && !versions.isEmpty());
    }
}
