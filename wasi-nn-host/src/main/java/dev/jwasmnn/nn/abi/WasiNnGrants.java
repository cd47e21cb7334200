package dev.jwasmnn.nn.abi;

import dev.jwasmnn.nn.ComputeSlots;
import dev.jwasmnn.nn.registry.GraphResolver;
import java.util.Objects;

/**
 * Per-run replacement for the host-wide grants of {@link WasiNnConfig}, attached to a
 * {@link dev.jwasmnn.guest.GuestInvocation}: the server gives each request's guest exactly the
 * graphs its model may use, pinned to the version the request started on.
 *
 * @param resolver what {@code load_by_name} may reach in this run
 * @param allowGuestModels whether this run may {@code load} model bytes of its own
 * @param computeSlots whose turn it is to compute: every {@code compute} of this run waits for a
 *     slot (its model's), so guests of one model can run side by side while their computes take
 *     turns; null = compute at once
 */
public record WasiNnGrants(GraphResolver resolver, boolean allowGuestModels, ComputeSlots computeSlots) {
    public WasiNnGrants {
        Objects.requireNonNull(resolver, "resolver");
    }

    /** Grants whose computes need no turn. */
    public WasiNnGrants(GraphResolver resolver, boolean allowGuestModels) {
        this(resolver, allowGuestModels, null);
    }
}
