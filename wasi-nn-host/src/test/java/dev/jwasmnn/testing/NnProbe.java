package dev.jwasmnn.testing;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.jwasmnn.nn.abi.WasiNn;
import dev.jwasmnn.nn.abi.WasiNnSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.function.Function;

/**
 * A real wasm guest (examples-rust/nn-abi-probe) whose exports call each wasi_ephemeral_nn import
 * with whatever arguments a test passes, so tests drive the real import path with hostile
 * pointers, lengths and handles. Test data goes into the guest's 4 MiB scratch buffer.
 */
public final class NnProbe implements AutoCloseable {
    private static WasmModule module;
    private static Function<Instance, Machine> machines;

    private final WasiNnSession session;
    private final Instance instance;
    private final Memory memory;
    private final int scratch;
    private final int scratchEnd;
    private int cursor;

    public NnProbe(WasiNn nn) {
        init();
        this.session = nn.open();
        this.instance = Instance.builder(module)
                .withMachineFactory(machines)
                .withMemoryFactory(ByteArrayMemory::new)
                .withImportValues(ImportValues.builder()
                        .withFunctions(new ArrayList<ImportFunction>(session.hostFunctions()))
                        .build())
                .build();
        this.memory = instance.exports().memory("memory");
        this.scratch = (int) instance.export("scratch").apply()[0];
        this.scratchEnd = scratch + (int) instance.export("scratch_len").apply()[0];
        this.cursor = scratch;
    }

    private static synchronized void init() {
        if (module == null) {
            module = Parser.parse(TestAssets.guest("nn-abi-probe"));
            machines = MachineFactoryCompiler.compile(module);
        }
    }

    public WasiNnSession session() {
        return session;
    }

    /** Calls {@code probe_<function>} and returns the errno. */
    public int call(String function, int... args) {
        long[] wide = new long[args.length];
        for (int i = 0; i < args.length; i++) {
            wide[i] = args[i];
        }
        return (int) instance.export("probe_" + function).apply(wide)[0];
    }

    /** Size of linear memory in bytes; any address at or past it is out of bounds. */
    public int memorySize() {
        return memory.pages() * Memory.PAGE_SIZE;
    }

    /**
     * Reserves {@code size} bytes (8-aligned) in the scratch buffer, or for data that does not fit
     * (whole models), in fresh pages grown at the end of linear memory.
     */
    public int alloc(int size) {
        int ptr = (cursor + 7) & ~7;
        if (ptr + size <= scratchEnd) {
            cursor = ptr + size;
            return ptr;
        }
        int base = memorySize();
        if (memory.grow((size + Memory.PAGE_SIZE - 1) / Memory.PAGE_SIZE) < 0) {
            throw new IllegalStateException("cannot grow probe memory by " + size + " bytes");
        }
        return base;
    }

    public int put(byte[] data) {
        int ptr = alloc(data.length);
        memory.write(ptr, data);
        return ptr;
    }

    public int putString(String s) {
        return put(s.getBytes(StandardCharsets.UTF_8));
    }

    public int putU32(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return put(b.array());
    }

    /** A 20-byte tensor struct pointing at freshly written dims and data. */
    public int tensor(int[] dims, int typeField, byte[] data) {
        int dimsPtr = putU32(dims);
        int dataPtr = put(data);
        return putU32(dimsPtr, dims.length, typeField, dataPtr, data.length);
    }

    /** A one-entry graph builder array for {@code model}. */
    public int builders(byte[]... models) {
        int[] entries = new int[models.length * 2];
        for (int i = 0; i < models.length; i++) {
            entries[2 * i] = put(models[i]);
            entries[2 * i + 1] = models[i].length;
        }
        return putU32(entries);
    }

    /** A 4-byte out slot, pre-filled with a marker so tests can see whether the host wrote it. */
    public int outSlot() {
        return putU32(0xA5A5A5A5);
    }

    public int readU32(int ptr) {
        return memory.readInt(ptr);
    }

    public byte[] read(int ptr, int len) {
        return memory.readBytes(ptr, len);
    }

    public void write(int ptr, byte[] data) {
        memory.write(ptr, data);
    }

    /** Ends the instance: whatever the guest left open is released. */
    @Override
    public void close() {
        session.close();
    }
}
