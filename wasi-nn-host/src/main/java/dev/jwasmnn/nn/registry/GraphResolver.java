package dev.jwasmnn.nn.registry;

/**
 * Finds named graphs for {@code load_by_name}. The plain {@link GraphRegistry} serves
 * preloaded graphs; the model store implements it with versions and hot reload.
 */
@FunctionalInterface
public interface GraphResolver {

    /**
     * Returns the graph with one reference retained for the caller, who must
     * {@link SharedGraph#release()} it.
     *
     * @throws dev.jwasmnn.nn.WasiNnException not_found for an unknown name or version,
     *     invalid_encoding when the request's expected encoding differs
     */
    SharedGraph acquire(GraphRequest request);

    /** A resolver that knows no graphs. */
    static GraphResolver none() {
        return request -> {
            throw dev.jwasmnn.nn.WasiNnException.notFound("no graph named '%s' is loaded", request.name());
        };
    }
}
