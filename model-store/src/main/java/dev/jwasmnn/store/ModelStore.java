package dev.jwasmnn.store;

import dev.jwasmnn.guest.GuestRunner;
import dev.jwasmnn.nn.NativeMemory;
import dev.jwasmnn.nn.NativeStack;
import dev.jwasmnn.nn.WasiNnException;
import dev.jwasmnn.nn.registry.Backends;
import dev.jwasmnn.nn.registry.SharedGraph;
import dev.jwasmnn.store.config.ConfigException;
import dev.jwasmnn.store.config.ModelConfig;
import dev.jwasmnn.store.config.ModelNames;
import dev.jwasmnn.store.ModelUnavailableException.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves the models of a {@link ModelRepository}: loads versions, hands requests a
 * {@link ModelLease} on the current one, swaps versions atomically on reload and closes old
 * versions once their in-flight requests are done. A failed load never disturbs what is serving.
 *
 * <p>Thread-safe. Requests never wait on a lifecycle operation: they read an immutable snapshot.
 */
public final class ModelStore implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ModelStore.class.getName());

    private final ModelRepository repository;
    private final VersionLoader loader;
    private final Map<String, ServedModel> models = new ConcurrentHashMap<>();
    // Loads run on a few long-lived threads with a native-sized stack, so the native memory a
    // reload frees is reused by the next load instead of piling up in new per-thread arenas.
    private final ExecutorService loaders = Executors.newFixedThreadPool(
            Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2)),
            NativeStack.threads("jwasm-loader"));
    private volatile boolean closed;

    public ModelStore(ModelRepository repository, Backends backends, GuestRunner runner) {
        this(repository, backends, runner, VersionExtension.NONE);
    }

    /** @param extension builds each version's attachment (a pipeline ...) while it loads */
    public ModelStore(ModelRepository repository, Backends backends, GuestRunner runner, VersionExtension extension) {
        this.repository = Objects.requireNonNull(repository);
        this.loader = new VersionLoader(backends, runner, extension);
    }

    public ModelRepository repository() {
        return repository;
    }

    // ---- data plane ----

    /**
     * A lease on {@code version} of {@code model}, or on its newest served version when
     * {@code version} is negative. The caller must close it.
     *
     * @throws ModelUnavailableException NOT_FOUND for an unknown model or version, NOT_READY
     *     when the model is known but serves nothing now
     */
    public ModelLease acquire(String model, long version) {
        ServedModel m = models.get(model);
        if (m == null || (m.snapshot().versions().isEmpty() && !repository.contains(model))) {
            if (repository.contains(model)) {
                throw new ModelUnavailableException(Reason.NOT_READY, "model '" + model + "' is not loaded");
            }
            throw new ModelUnavailableException(Reason.NOT_FOUND, "unknown model '" + model + "'");
        }
        while (true) {
            ServedModel.Snapshot s = m.snapshot();
            if (s.versions().isEmpty()) {
                throw new ModelUnavailableException(Reason.NOT_READY, "model '" + model + "' is not ready (state "
                        + s.state().name().toLowerCase() + (m.lastError() == null ? "" : ": " + m.lastError()) + ")");
            }
            ModelVersion v = version < 0 ? s.versions().lastEntry().getValue() : s.versions().get(version);
            if (v == null) {
                throw new ModelUnavailableException(Reason.NOT_FOUND, "model '" + model + "' has no version "
                        + version + " loaded (serving " + s.versions().keySet() + ")");
            }
            if (v.graph().tryRetain()) {
                return new ModelLease(this, v);
            }
            // Retired between reading the snapshot and retaining: a newer snapshot is already out.
            Thread.onSpinWait();
        }
    }

    /** True for a model the repository has or the store serves: names worth a metrics label. */
    public boolean knows(String model) {
        if (!ModelNames.isValid(model)) {
            return false;
        }
        ServedModel m = models.get(model);
        return (m != null && !m.snapshot().versions().isEmpty()) || repository.contains(model);
    }

    /** A graph for a guest's {@code load_by_name}: retained once for the guest's handle. */
    SharedGraph acquireGraph(String model, long version) {
        try {
            return acquire(model, version).version().graph();
        } catch (ModelUnavailableException e) {
            throw WasiNnException.notFound("%s", e.getMessage());
        }
    }

    // ---- control plane ----

    /**
     * Loads, or reloads, {@code model} from the repository: every version its policy selects is
     * loaded fresh, then all are swapped in at once; the versions served before drain and close.
     * On any failure the previous versions keep serving and the error is kept for status.
     *
     * @throws ModelUnavailableException NOT_FOUND when the repository has no such model
     * @throws ModelLoadException why the load failed
     * @throws IllegalArgumentException for an invalid model name
     */
    public ModelStatus load(String model) {
        ModelNames.check(model);
        ensureOpen();
        if (!repository.contains(model)) {
            throw new ModelUnavailableException(Reason.NOT_FOUND, "no model '" + model + "' in the repository "
                    + repository.root());
        }
        ServedModel m = models.computeIfAbsent(model, ServedModel::new);
        m.lifecycle.lock();
        try {
            ServedModel.Snapshot before = m.snapshot();
            m.publish(before.with(ModelState.LOADING));
            List<ModelVersion> loaded = new ArrayList<>();
            Duration drain;
            try {
                ModelConfig config = repository.config(model);
                drain = config.drainTimeout();
                for (VersionFiles files : repository.selectedVersions(model, config)) {
                    loaded.add(NativeStack.callOn(loaders, () -> loader.load(model, files, config)));
                }
            } catch (RuntimeException | Error e) {
                loaded.forEach(v -> v.graph().release());
                if (e instanceof Error err) {
                    m.failed("load failed: " + err);
                    m.publish(before.with(before.versions().isEmpty() ? ModelState.FAILED : ModelState.READY));
                    throw err;
                }
                RuntimeException re = (RuntimeException) e;
                String message = describe(re);
                m.failed(message);
                m.publish(before.with(before.versions().isEmpty() ? ModelState.FAILED : ModelState.READY));
                LOG.log(System.Logger.Level.WARNING, "model " + model + ": load failed: " + message
                        + (before.versions().isEmpty() ? "" : "; still serving versions " + before.versions().keySet()));
                throw re instanceof ModelLoadException mle ? mle : new ModelLoadException(model, message, re);
            }
            NavigableMap<Long, ModelVersion> next = new TreeMap<>();
            loaded.forEach(v -> next.put(v.version(), v));
            m.clearError();
            m.publish(new ServedModel.Snapshot(ModelState.READY, next));
            LOG.log(System.Logger.Level.INFO, "model " + model + ": serving versions " + next.keySet()
                    + (before.versions().isEmpty() ? "" : " (was " + before.versions().keySet() + ")") + ", loaded in "
                    + loaded.stream().mapToLong(v -> v.loadTime().toMillis()).sum() + " ms");
            retire(before.versions().values(), drain);
            return status(m);
        } finally {
            m.lifecycle.unlock();
        }
    }

    /**
     * Stops serving {@code model}: new requests are refused at once, in-flight ones finish (up to
     * the drain timeout), then the native graphs close and their memory is returned.
     *
     * @return false when the model was not loaded
     */
    public boolean unload(String model) {
        ModelNames.check(model);
        ServedModel m = models.get(model);
        if (m == null) {
            return false;
        }
        m.lifecycle.lock();
        try {
            ServedModel.Snapshot before = m.snapshot();
            if (before.versions().isEmpty()) {
                m.publish(ServedModel.Snapshot.UNAVAILABLE);
                return false;
            }
            m.publish(new ServedModel.Snapshot(ModelState.UNLOADING, new TreeMap<>()));
            Duration drain = before.versions().lastEntry().getValue().config().drainTimeout();
            retire(before.versions().values(), drain);
            m.publish(ServedModel.Snapshot.UNAVAILABLE);
            LOG.log(System.Logger.Level.INFO, "model " + model + ": unloaded versions " + before.versions().keySet());
            return true;
        } finally {
            m.lifecycle.unlock();
        }
    }

    /**
     * Loads every model of the repository (or only {@code only} when not empty). Failures are
     * logged and kept for status; the others still load.
     *
     * @return the models that failed, with why
     */
    public Map<String, String> loadAll(Collection<String> only) {
        Map<String, String> failed = new TreeMap<>();
        List<String> names = only.isEmpty() ? repository.modelNames() : List.copyOf(only);
        for (String name : names) {
            try {
                load(name);
            } catch (RuntimeException e) {
                failed.put(name, describe(e));
            }
        }
        return failed;
    }

    /** Every model in the repository or the store, with its state, sorted by name. */
    public List<ModelStatus> index() {
        TreeSet<String> names = new TreeSet<>(repository.modelNames());
        models.forEach((name, m) -> {
            // A model gone from disk is listed only while it still serves (until unloaded).
            if (!m.snapshot().versions().isEmpty()) {
                names.add(name);
            }
        });
        List<ModelStatus> out = new ArrayList<>();
        for (String name : names) {
            ServedModel m = models.get(name);
            out.add(m == null ? new ModelStatus(name, ModelState.UNAVAILABLE, List.of(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()) : status(m));
        }
        return out;
    }

    /** @throws ModelUnavailableException NOT_FOUND when neither the store nor the repository knows it */
    public ModelStatus status(String model) {
        ServedModel m = models.get(model);
        if (m != null && (!m.snapshot().versions().isEmpty() || repository.contains(model))) {
            return status(m);
        }
        if (repository.contains(model)) {
            return new ModelStatus(model, ModelState.UNAVAILABLE, List.of(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty());
        }
        throw new ModelUnavailableException(Reason.NOT_FOUND, "unknown model '" + model + "'");
    }

    /**
     * The config of {@code model}'s current load (every version of one load shares it), or empty
     * while it serves nothing. A request on an older version, still draining, sees the new one.
     */
    public Optional<ModelConfig> servingConfig(String model) {
        ServedModel m = models.get(model);
        if (m == null) {
            return Optional.empty();
        }
        var versions = m.snapshot().versions();
        return versions.isEmpty() ? Optional.empty() : Optional.of(versions.lastEntry().getValue().config());
    }

    /** Versions being served, newest last (for metadata). */
    public List<ModelVersion> servedVersions(String model) {
        ServedModel m = models.get(model);
        return m == null ? List.of() : List.copyOf(m.snapshot().versions().values());
    }

    private static ModelStatus status(ServedModel m) {
        ServedModel.Snapshot s = m.snapshot();
        Optional<ModelVersion> newest = s.versions().isEmpty()
                ? Optional.empty() : Optional.of(s.versions().lastEntry().getValue());
        return new ModelStatus(
                m.name,
                s.state(),
                new ArrayList<>(s.versions().keySet()),
                Optional.ofNullable(m.lastError()),
                Optional.ofNullable(m.lastErrorAt()),
                newest.map(ModelVersion::warning).filter(w -> !w.isEmpty()),
                newest.map(v -> v.graph().graph().device()),
                newest.flatMap(ModelVersion::guest).map(g -> g.name() + " sha256:" + g.sha256()));
    }

    /** Drops the store's reference to each version and waits, bounded, for its requests to finish. */
    private static void retire(Collection<ModelVersion> versions, Duration drain) {
        versions.forEach(v -> v.graph().release());
        long deadline = System.nanoTime() + drain.toNanos();
        for (ModelVersion v : versions) {
            while (!v.graph().isClosed() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (!v.graph().isClosed()) {
                LOG.log(System.Logger.Level.WARNING, v + " still has " + v.graph().references()
                        + " users after the drain timeout of " + drain.toMillis()
                        + " ms; it closes when the last one finishes");
            }
        }
        if (!versions.isEmpty()) {
            // The closed sessions' memory is free but cached by the C allocator: give it back now.
            NativeMemory.releaseFreed();
        }
    }

    private static String describe(RuntimeException e) {
        if (e instanceof ModelLoadException || e instanceof ConfigException || e instanceof WasiNnException
                || e instanceof IllegalArgumentException || e instanceof ModelUnavailableException) {
            return e.getMessage();
        }
        return e.toString();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the model store is closed");
        }
    }

    /** Unloads everything (waiting for in-flight requests up to each model's drain timeout). */
    @Override
    public void close() {
        closed = true;
        for (String name : new ArrayList<>(models.keySet())) {
            try {
                unload(name);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "unloading " + name + " failed", e);
            }
        }
        loaders.shutdown();
    }
}
