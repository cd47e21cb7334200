package dev.jwasmnn.nn.abi;

import dev.jwasmnn.nn.registry.Backends;
import dev.jwasmnn.nn.registry.GraphResolver;
import java.util.Objects;

/**
 * Host-wide settings of {@code wasi_ephemeral_nn}.
 *
 * @param backends the inference backends for {@code load}
 * @param resolver named graphs for {@code load_by_name}
 * @param fallbackNumbering the tensor-type numbering used when a guest's bytes cannot decide
 * @param allowGuestModels whether guests may {@code load} model bytes of their own
 * @param maxGuestModelBytes the most model bytes one {@code load} may pass
 * @param maxGraphs graph handles one instance may hold open
 * @param maxContexts execution contexts one instance may hold open
 */
public record WasiNnConfig(
        Backends backends,
        GraphResolver resolver,
        TensorTypeNumbering fallbackNumbering,
        boolean allowGuestModels,
        long maxGuestModelBytes,
        int maxGraphs,
        int maxContexts) {

    public WasiNnConfig {
        Objects.requireNonNull(backends, "backends");
        Objects.requireNonNull(resolver, "resolver");
        Objects.requireNonNull(fallbackNumbering, "fallbackNumbering");
    }

    /** This config with another resolver and guest-model permission (one model's grants). */
    public WasiNnConfig withGrants(GraphResolver grantedResolver, boolean allowModelBytes) {
        return new WasiNnConfig(backends, grantedResolver, fallbackNumbering, allowModelBytes, maxGuestModelBytes,
                maxGraphs, maxContexts);
    }

    public static Builder builder(Backends backends) {
        return new Builder(backends);
    }

    public static final class Builder {
        private final Backends backends;
        private GraphResolver resolver = GraphResolver.none();
        private TensorTypeNumbering fallbackNumbering = TensorTypeNumbering.CURRENT;
        private boolean allowGuestModels = true;
        private long maxGuestModelBytes = 1L << 30;
        private int maxGraphs = 32;
        private int maxContexts = 256;

        private Builder(Backends backends) {
            this.backends = backends;
        }

        public Builder resolver(GraphResolver resolver) {
            this.resolver = resolver;
            return this;
        }

        public Builder fallbackNumbering(TensorTypeNumbering numbering) {
            this.fallbackNumbering = numbering;
            return this;
        }

        public Builder allowGuestModels(boolean allow) {
            this.allowGuestModels = allow;
            return this;
        }

        public Builder maxGuestModelBytes(long bytes) {
            this.maxGuestModelBytes = bytes;
            return this;
        }

        public Builder maxGraphs(int n) {
            this.maxGraphs = n;
            return this;
        }

        public Builder maxContexts(int n) {
            this.maxContexts = n;
            return this;
        }

        public WasiNnConfig build() {
            return new WasiNnConfig(
                    backends, resolver, fallbackNumbering, allowGuestModels, maxGuestModelBytes, maxGraphs, maxContexts);
        }
    }
}
