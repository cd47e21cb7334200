package dev.jwasmnn.nn.registry;

import dev.jwasmnn.nn.NnErrno;
import dev.jwasmnn.nn.WasiNnException;
import dev.jwasmnn.nn.spi.Graph;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named graphs loaded once and shared by every guest instance (WasmEdge's {@code --nn-preload}).
 * One native session per name; replacing or removing a name releases the registry's reference,
 * and the session closes when the last guest using it lets go.
 */
public final class GraphRegistry implements GraphResolver, AutoCloseable {
    private final Map<String, SharedGraph> graphs = new ConcurrentHashMap<>();

    /** Loads every file of {@code spec} with the matching backend and registers it. */
    public void preload(PreloadSpec spec, Backends backends) {
        Graph graph = backends.forEncoding(spec.encoding()).loadFiles(spec.paths(), spec.encoding(), spec.target(),
                backends.gpuPolicy());
        register(spec.name(), graph);
    }

    /** Registers {@code graph} under {@code name}, taking ownership; a previous graph is released. */
    public void register(String name, Graph graph) {
        SharedGraph previous = graphs.put(name, SharedGraph.own(name, graph));
        if (previous != null) {
            previous.release();
        }
    }

    /** Removes {@code name}; in-flight users keep the graph until they release it. */
    public boolean unregister(String name) {
        SharedGraph previous = graphs.remove(name);
        if (previous != null) {
            previous.release();
            return true;
        }
        return false;
    }

    public Set<String> names() {
        return new TreeSet<>(graphs.keySet());
    }

    /** Preloaded graphs have exactly one version, 1. */
    @Override
    public SharedGraph acquire(GraphRequest request) {
        SharedGraph graph = graphs.get(request.name());
        if (graph == null || !graph.tryRetain()) {
            throw WasiNnException.notFound("no graph named '%s' is loaded", request.name());
        }
        if (request.version().isPresent() && request.version().getAsLong() != 1) {
            graph.release();
            throw WasiNnException.notFound(
                    "graph '%s' has no version %d (preloaded graphs have version 1)",
                    request.name(), request.version().getAsLong());
        }
        if (request.encoding().isPresent() && request.encoding().get() != graph.graph().encoding()) {
            graph.release();
            throw new WasiNnException(
                    NnErrno.INVALID_ENCODING,
                    "graph '" + request.name() + "' is " + graph.graph().encoding().displayName()
                            + ", not " + request.encoding().get().displayName());
        }
        return graph;
    }

    @Override
    public void close() {
        graphs.keySet().forEach(this::unregister);
    }
}
