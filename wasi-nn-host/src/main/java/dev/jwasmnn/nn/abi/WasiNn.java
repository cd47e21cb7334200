package dev.jwasmnn.nn.abi;

import com.dylibso.chicory.wasm.types.FunctionType;
import dev.jwasmnn.guest.GuestInvocation;
import dev.jwasmnn.guest.HostExtension;
import dev.jwasmnn.nn.DirectBufferPool;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code wasi_ephemeral_nn} import module. One instance serves a whole host; every guest
 * instance gets its own {@link WasiNnSession} with its own handles.
 */
public final class WasiNn implements HostExtension {
    public static final String MODULE_NAME = "wasi_ephemeral_nn";

    private static final Map<String, FunctionType> FUNCTION_TYPES;

    static {
        Map<String, FunctionType> types = new LinkedHashMap<>();
        for (WasiNnFunction f : WasiNnFunction.values()) {
            types.put(f.abiName, f.type);
        }
        FUNCTION_TYPES = Map.copyOf(types);
    }

    private final WasiNnConfig config;
    private final TensorTypeResolver typeResolver;
    // Staging buffers for large inputs, shared by all guest instances of this host.
    private final DirectBufferPool staging = new DirectBufferPool(256L << 20);

    public WasiNn(WasiNnConfig config) {
        this.config = config;
        this.typeResolver = new TensorTypeResolver(config.fallbackNumbering());
    }

    public WasiNnConfig config() {
        return config;
    }

    @Override
    public String moduleName() {
        return MODULE_NAME;
    }

    @Override
    public Map<String, FunctionType> functionTypes() {
        return FUNCTION_TYPES;
    }

    @Override
    public WasiNnSession open(GuestInvocation invocation) {
        Optional<WasiNnGrants> grants = invocation.attachment(WasiNnGrants.class);
        WasiNnConfig effective = grants.map(g -> config.withGrants(g.resolver(), g.allowGuestModels())).orElse(config);
        return new WasiNnSession(effective, typeResolver, staging, grants.map(WasiNnGrants::computeSlots).orElse(null));
    }

    /** A session with the host-wide grants, for tests and tools that drive the ABI directly. */
    public WasiNnSession open() {
        return open(GuestInvocation.builder().build());
    }
}
