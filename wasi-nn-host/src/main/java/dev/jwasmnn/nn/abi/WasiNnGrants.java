package dev.jwasmnn.nn.abi;

import dev.jwasmnn.nn.registry.GraphResolver;
import java.util.Objects;

/**
 * Per-run replacement for the host-wide grants of {@link WasiNnConfig}, attached to a
 * {@link dev.jwasmnn.guest.GuestInvocation}: the server gives each request's guest exactly the
 * graphs its model may use, pinned to the version the request started on.
 *
 * @param resolver what {@code load_by_name} may reach in this run
 * @param allowGuestModels whether this run may {@code load} model bytes of its own
 */
public record WasiNnGrants(GraphResolver resolver, boolean allowGuestModels) {
    public WasiNnGrants {
        Objects.requireNonNull(resolver, "resolver");
    }
}
