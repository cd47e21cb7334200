package dev.jwasmnn.store;

import dev.jwasmnn.nn.GraphEncoding;
import dev.jwasmnn.nn.NnErrno;
import dev.jwasmnn.nn.WasiNnException;
import dev.jwasmnn.nn.registry.GraphRequest;
import dev.jwasmnn.nn.registry.GraphResolver;
import dev.jwasmnn.nn.registry.SharedGraph;
import dev.jwasmnn.store.config.GuestConfig;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request's hold on one model version. The request finishes on this version even if a
 * reload swaps another in meanwhile; closing the lease lets the old version drain.
 */
public final class ModelLease implements AutoCloseable {
    private final ModelStore store;
    private final ModelVersion version;
    private final AtomicBoolean closed = new AtomicBoolean();

    ModelLease(ModelStore store, ModelVersion version) {
        this.store = store;
        this.version = version;
    }

    public ModelVersion version() {
        return version;
    }

    /**
     * What the request's guest may {@code load_by_name}: its own model (this very version unless
     * it pins another loaded one) and the models its config grants. Nothing else, so one model's
     * guest cannot reach another model's graph without the operator saying so.
     */
    public GraphResolver guestResolver() {
        Set<String> grants = version.config().guest().map(GuestConfig::grants).orElse(Set.of());
        return request -> {
            SharedGraph graph;
            if (request.name().equals(version.model())) {
                long wanted = request.version().orElse(version.version());
                graph = wanted == version.version() ? retain(version.graph()) : store.acquireGraph(request.name(), wanted);
            } else if (grants.contains(request.name())) {
                graph = store.acquireGraph(request.name(), request.version().orElse(-1));
            } else {
                throw WasiNnException.notFound("graph '%s' is not granted to model '%s' (its config's guest.grants"
                        + " lists the models its guest may load)", request.name(), version.model());
            }
            return checkEncoding(request, graph);
        };
    }

    private static SharedGraph retain(SharedGraph g) {
        if (!g.tryRetain()) {
            throw new WasiNnException(NnErrno.RUNTIME_ERROR, "graph " + g.name() + " was closed");
        }
        return g;
    }

    private static SharedGraph checkEncoding(GraphRequest request, SharedGraph graph) {
        if (request.encoding().isPresent() && request.encoding().get() != graph.graph().encoding()) {
            GraphEncoding have = graph.graph().encoding();
            graph.release();
            throw new WasiNnException(NnErrno.INVALID_ENCODING, "graph '" + request.name() + "' is "
                    + have.displayName() + ", not " + request.encoding().get().displayName());
        }
        return graph;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            version.graph().release();
        }
    }
}
