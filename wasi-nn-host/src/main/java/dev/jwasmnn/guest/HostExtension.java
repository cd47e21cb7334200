package dev.jwasmnn.guest;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import java.util.List;
import java.util.Map;

/**
 * An import module the host offers guests besides WASI ({@code wasi_ephemeral_nn}, later
 * {@code jwasm_cv}). Each guest instance gets its own {@link Session}, so per-instance state
 * (handles, open contexts) dies with the instance.
 */
public interface HostExtension {

    /** The import module name guests link against. */
    String moduleName();

    /** Every function this module provides, with its type, to check a guest's imports up front. */
    Map<String, FunctionType> functionTypes();

    /**
     * State for one guest instance. {@code invocation} carries per-run grants as attachments
     * (see {@link GuestInvocation#attachment}), e.g. which graphs this run may load.
     */
    Session open(GuestInvocation invocation);

    interface Session extends AutoCloseable {

        List<HostFunction> hostFunctions();

        /** Called from another thread when the run's deadline passes: abandon long host work. */
        void cancel();

        /** Releases everything the instance still holds; called once the instance has stopped. */
        @Override
        void close();
    }
}
