package dev.jwasmnn.store;

import java.time.Instant;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The serving state of one model name. Readers see an immutable {@link Snapshot} through one
 * volatile field, so a reload swaps every version at once and a request never sees half of it;
 * writers (load, unload) take the lifecycle lock, one at a time per model.
 */
final class ServedModel {
    record Snapshot(ModelState state, NavigableMap<Long, ModelVersion> versions) {
        static final Snapshot UNAVAILABLE = new Snapshot(ModelState.UNAVAILABLE, Collections.emptyNavigableMap());

        Snapshot {
            versions = Collections.unmodifiableNavigableMap(new TreeMap<>(versions));
        }

        Snapshot with(ModelState s) {
            return new Snapshot(s, versions);
        }
    }

    final String name;
    final ReentrantLock lifecycle = new ReentrantLock();
    private volatile Snapshot snapshot = Snapshot.UNAVAILABLE;
    private volatile String lastError;
    private volatile Instant lastErrorAt;

    ServedModel(String name) {
        this.name = name;
    }

    Snapshot snapshot() {
        return snapshot;
    }

    void publish(Snapshot s) {
        snapshot = s;
    }

    void failed(String message) {
        lastError = message;
        lastErrorAt = Instant.now();
    }

    void clearError() {
        lastError = null;
        lastErrorAt = null;
    }

    String lastError() {
        return lastError;
    }

    Instant lastErrorAt() {
        return lastErrorAt;
    }
}
