package dev.jwasmnn.nn.registry;

import dev.jwasmnn.nn.spi.Graph;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Graph} with a reference count, so one native session can serve every guest instance
 * and still be closed deterministically: the registry holds one reference, every guest handle
 * and every execution context another, and the last {@link #release()} closes the session.
 */
public final class SharedGraph {
    private static final System.Logger LOG = System.getLogger(SharedGraph.class.getName());

    private final String name;
    private final Graph graph;
    private final AtomicInteger references = new AtomicInteger(1);

    private SharedGraph(String name, Graph graph) {
        this.name = Objects.requireNonNull(name);
        this.graph = Objects.requireNonNull(graph);
    }

    /** Wraps a freshly loaded graph; the caller owns the first reference. */
    public static SharedGraph own(String name, Graph graph) {
        return new SharedGraph(name, graph);
    }

    public String name() {
        return name;
    }

    public Graph graph() {
        return graph;
    }

    /** Adds a reference unless the graph is already closed. */
    public boolean tryRetain() {
        while (true) {
            int n = references.get();
            if (n <= 0) {
                return false;
            }
            if (references.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops a reference; the last one closes the native graph. */
    public void release() {
        int n = references.decrementAndGet();
        if (n == 0) {
            try {
                graph.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing graph " + name + " failed", e);
            }
        } else if (n < 0) {
            throw new IllegalStateException("graph " + name + " released more often than retained");
        }
    }

    public int references() {
        return Math.max(references.get(), 0);
    }

    public boolean isClosed() {
        return references.get() <= 0;
    }

    @Override
    public String toString() {
        return "SharedGraph[" + name + ", refs=" + references() + "]";
    }
}
