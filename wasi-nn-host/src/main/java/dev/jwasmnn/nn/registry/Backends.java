package dev.jwasmnn.nn.registry;

import dev.jwasmnn.nn.GpuPolicy;
import dev.jwasmnn.nn.GraphEncoding;
import dev.jwasmnn.nn.NnErrno;
import dev.jwasmnn.nn.WasiNnException;
import dev.jwasmnn.nn.spi.Backend;
import dev.jwasmnn.nn.spi.BackendProvider;
import dev.jwasmnn.nn.spi.BackendSettings;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The backends on the class path, found with {@link ServiceLoader}, each started on first use.
 * Thread-safe.
 */
public final class Backends implements AutoCloseable {
    private final BackendSettings settings;
    private final GpuPolicy gpuPolicy;
    private final Map<GraphEncoding, BackendProvider> providers = new EnumMap<>(GraphEncoding.class);
    private final Map<BackendProvider, Backend> started = new java.util.IdentityHashMap<>();
    private boolean closed;

    private Backends(List<BackendProvider> found, BackendSettings settings) {
        this.settings = settings;
        this.gpuPolicy = settings.get("gpu_policy").map(GpuPolicy::parse).orElse(GpuPolicy.FAIL);
        for (BackendProvider p : found) {
            for (GraphEncoding e : p.encodings()) {
                // First on the class path wins, so an application can shadow a bundled backend.
                providers.putIfAbsent(e, p);
            }
        }
    }

    /** The backends registered through {@code META-INF/services}. */
    public static Backends discover(BackendSettings settings) {
        List<BackendProvider> found = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).forEach(found::add);
        return new Backends(found, settings);
    }

    /** Exactly these providers (tests, embedding). */
    public static Backends of(List<BackendProvider> providers, BackendSettings settings) {
        return new Backends(providers, settings);
    }

    /** The server-wide GPU policy (setting {@code gpu_policy}, default fail); models may override it. */
    public GpuPolicy gpuPolicy() {
        return gpuPolicy;
    }

    public Set<GraphEncoding> encodings() {
        return providers.isEmpty() ? EnumSet.noneOf(GraphEncoding.class) : EnumSet.copyOf(providers.keySet());
    }

    /**
     * The started backend for {@code encoding}.
     *
     * @throws WasiNnException invalid_encoding when no backend handles it
     */
    public Backend forEncoding(GraphEncoding encoding) {
        BackendProvider provider = providers.get(encoding);
        if (provider == null) {
            throw new WasiNnException(
                    NnErrno.INVALID_ENCODING,
                    "no backend for encoding " + encoding.displayName() + " (available: " + encodings() + ")");
        }
        synchronized (started) {
            if (closed) {
                throw new WasiNnException(NnErrno.RUNTIME_ERROR, "backends are shut down");
            }
            Backend backend = started.get(provider);
            if (backend == null) {
                try {
                    backend = provider.create(settings);
                } catch (WasiNnException e) {
                    throw e;
                } catch (RuntimeException | LinkageError e) {
                    throw new WasiNnException(
                            NnErrno.RUNTIME_ERROR, "backend " + provider.name() + " failed to start: " + e, e);
                }
                started.put(provider, backend);
            }
            return backend;
        }
    }

    /** The backends started so far. */
    public List<Backend> started() {
        synchronized (started) {
            return List.copyOf(started.values());
        }
    }

    @Override
    public void close() {
        synchronized (started) {
            closed = true;
            started.values().forEach(Backend::close);
            started.clear();
        }
    }
}
