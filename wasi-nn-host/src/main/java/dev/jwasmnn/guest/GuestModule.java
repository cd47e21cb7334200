package dev.jwasmnn.guest;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * A guest module parsed, checked and compiled to JVM bytecode once. Thread-safe: any number of
 * instances may be created from it concurrently. Made by {@link GuestRunner#compile}.
 */
public final class GuestModule {
    private final String name;
    private final String sha256;
    private final WasmModule wasm;
    private final Function<Instance, Machine> machineFactory;
    private final MemoryLimits declaredMemory;
    private final Duration compileTime;
    private final int sizeBytes;
    private final ImportPlan importPlan;

    GuestModule(
            String name,
            String sha256,
            WasmModule wasm,
            Function<Instance, Machine> machineFactory,
            MemoryLimits declaredMemory,
            Duration compileTime,
            int sizeBytes) {
        this.name = name;
        this.sha256 = sha256;
        this.wasm = wasm;
        this.machineFactory = machineFactory;
        this.declaredMemory = declaredMemory;
        this.compileTime = compileTime;
        this.sizeBytes = sizeBytes;
        this.importPlan = new ImportPlan(wasm);
    }

    public String name() {
        return name;
    }

    /** Hex SHA-256 of the module bytes. */
    public String sha256() {
        return sha256;
    }

    public Duration compileTime() {
        return compileTime;
    }

    public int sizeBytes() {
        return sizeBytes;
    }

    /** The memory the module declares, if it has one. */
    public Optional<MemoryLimits> declaredMemory() {
        return Optional.ofNullable(declaredMemory);
    }

    WasmModule wasm() {
        return wasm;
    }

    ImportPlan importPlan() {
        return importPlan;
    }

    Function<Instance, Machine> machineFactory() {
        return machineFactory;
    }

    @Override
    public String toString() {
        return "GuestModule[" + name + ", " + sizeBytes + " bytes, sha256=" + sha256.substring(0, 12) + "]";
    }
}
