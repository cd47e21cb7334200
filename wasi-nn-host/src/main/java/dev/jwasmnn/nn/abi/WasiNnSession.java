package dev.jwasmnn.nn.abi;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.InvalidException;
import dev.jwasmnn.guest.HostExtension;
import dev.jwasmnn.nn.ComputeSlots;
import dev.jwasmnn.nn.DirectBufferPool;
import dev.jwasmnn.nn.ExecutionTarget;
import dev.jwasmnn.nn.GraphEncoding;
import dev.jwasmnn.nn.NnErrno;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorSpec;
import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.nn.WasiNnException;
import dev.jwasmnn.nn.registry.GraphRequest;
import dev.jwasmnn.nn.registry.SharedGraph;
import dev.jwasmnn.nn.spi.ExecutionContext;
import dev.jwasmnn.nn.spi.Graph;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code wasi_ephemeral_nn} for one guest instance: the guest's graph and context handles and
 * the twelve host functions. Every pointer, length, handle and enum is checked before it is
 * used; every failure becomes an errno; {@link #close()} releases whatever the guest left open.
 *
 * <p>Choices where existing hosts differ (see docs/wasi-nn-host.md): unknown names give
 * not_found; each {@code load_by_name} returns a new handle; a short output buffer gives
 * too_large with the needed size in {@code bytes_written}; every compute replaces all outputs.
 */
public final class WasiNnSession implements HostExtension.Session, dev.jwasmnn.guest.ComputeTimed {
    private static final System.Logger LOG = System.getLogger(WasiNnSession.class.getName());
    private static final AtomicLong GUEST_GRAPH_IDS = new AtomicLong();

    static final int TENSOR_STRUCT_BYTES = 20;
    static final int BUILDER_ENTRY_BYTES = 8;
    static final int MAX_BUILDERS = 16;
    static final int MAX_RANK = 16;
    static final int MAX_NAME_BYTES = 4096;
    static final int MAX_CONFIG_BYTES = 64 * 1024;
    static final int STAGE_ABOVE_BYTES = 64 * 1024;
    static final int STAGE_CHUNK_BYTES = 64 * 1024;

    private final WasiNnConfig config;
    private final TensorTypeResolver types;
    private final DirectBufferPool stagingPool;
    private final HandleTable<SharedGraph> graphs;
    private final HandleTable<ContextEntry> contexts;
    private final List<HostFunction> functions;
    private GuestMemory memory;
    private volatile boolean cancelled;
    private volatile boolean closed;
    private String lastError;
    private final ComputeSlots computeSlots;
    private long computeNanos;
    private long computeWaitNanos;
    private int computeCount;

    /**
     * A guest's execution context, the graph reference that keeps its session alive, and the
     * pooled direct buffers its large inputs are staged in (one per input index).
     */
    private record ContextEntry(SharedGraph graph, ExecutionContext context, ByteBuffer[] staging) {
        ContextEntry(SharedGraph graph, ExecutionContext context) {
            this(graph, context, new ByteBuffer[graph.graph().inputs().size()]);
        }

        void close(DirectBufferPool pool) {
            try {
                context.close();
            } finally {
                // Only now: the closed context no longer reads them.
                for (int i = 0; i < staging.length; i++) {
                    if (staging[i] != null) {
                        pool.release(staging[i]);
                        staging[i] = null;
                    }
                }
                graph.release();
            }
        }
    }

    WasiNnSession(WasiNnConfig config, TensorTypeResolver types, DirectBufferPool stagingPool,
            ComputeSlots computeSlots) {
        this.config = config;
        this.computeSlots = computeSlots;
        this.types = types;
        this.stagingPool = stagingPool;
        this.graphs = new HandleTable<>("graph", config.maxGraphs());
        this.contexts = new HandleTable<>("execution context", config.maxContexts());
        this.functions = buildFunctions();
    }

    @Override
    public List<HostFunction> hostFunctions() {
        return functions;
    }

    /** The reason for the last errno this session returned, for logs and guest authors. */
    public String lastError() {
        return lastError;
    }

    /** Wall time spent inside {@code compute}, for metrics that split guest and inference time. */
    @Override
    public long computeNanos() {
        return computeNanos;
    }

    @Override
    public long computeWaitNanos() {
        return computeWaitNanos;
    }

    public int computeCount() {
        return computeCount;
    }

    /** The graph behind a guest's graph handle (diagnostics and tests). */
    public dev.jwasmnn.nn.spi.Graph graph(int handle) {
        return graphs.get(handle).graph();
    }

    public int openGraphs() {
        return graphs.size();
    }

    public int openContexts() {
        return contexts.size();
    }

    private List<HostFunction> buildFunctions() {
        List<HostFunction> list = new ArrayList<>();
        for (WasiNnFunction f : WasiNnFunction.values()) {
            list.add(new HostFunction(WasiNn.MODULE_NAME, f.abiName, f.type,
                    (instance, args) -> new long[] {dispatch(f, instance, args)}));
        }
        return List.copyOf(list);
    }

    private int dispatch(WasiNnFunction function, Instance instance, long[] args) {
        checkNotCancelled();
        int errno;
        try {
            switch (function) {
                case LOAD -> load(instance, i(args[0]), i(args[1]), i(args[2]), i(args[3]), i(args[4]));
                case LOAD_BY_NAME -> loadByName(instance, i(args[0]), i(args[1]), 0, 0, i(args[2]), false);
                case LOAD_BY_NAME_WITH_CONFIG -> loadByName(
                        instance, i(args[0]), i(args[1]), i(args[2]), i(args[3]), i(args[4]), true);
                case INIT_EXECUTION_CONTEXT -> initExecutionContext(instance, i(args[0]), i(args[1]));
                case SET_INPUT -> setInput(instance, i(args[0]), i(args[1]), i(args[2]));
                case COMPUTE -> compute(i(args[0]));
                case GET_OUTPUT -> getOutput(instance, i(args[0]), i(args[1]), i(args[2]), i(args[3]), i(args[4]));
                case UNLOAD -> graphs.remove(i(args[0])).release();
                case FINALIZE_EXECUTION_CONTEXT -> contexts.remove(i(args[0])).close(stagingPool);
                case COMPUTE_SINGLE, GET_OUTPUT_SINGLE, FINI_SINGLE -> throw WasiNnException.unsupported(
                        "%s is the streaming extension for LLM backends, which jwasm-nn does not offer",
                        function.abiName);
            }
            errno = NnErrno.SUCCESS.code();
        } catch (WasiNnException e) {
            errno = fail(function, e.errno(), e.reason(), null);
        } catch (ChicoryInterruptedException e) {
            throw e;
        } catch (RuntimeException e) {
            errno = fail(function, NnErrno.RUNTIME_ERROR, "unexpected host error: " + e, e);
        }
        // A deadline that fired during compute stops the guest here instead of letting it go on.
        checkNotCancelled();
        return errno;
    }

    private int fail(WasiNnFunction function, NnErrno errno, String reason, Throwable unexpected) {
        lastError = function.abiName + ": " + errno.abiName() + ": " + reason;
        if (unexpected != null) {
            LOG.log(System.Logger.Level.WARNING, lastError, unexpected);
        } else {
            LOG.log(System.Logger.Level.DEBUG, lastError);
        }
        return errno.code();
    }

    private void checkNotCancelled() {
        if (cancelled) {
            throw new ChicoryInterruptedException("guest cancelled: deadline exceeded");
        }
    }

    private static int i(long arg) {
        return (int) arg;
    }

    private GuestMemory memory(Instance instance) {
        if (memory == null) {
            Memory m;
            try {
                m = instance.exports().memory("memory");
            } catch (InvalidException e) {
                throw new WasiNnException(NnErrno.MISSING_MEMORY, "the guest exports no memory named \"memory\"");
            }
            memory = new GuestMemory(m);
        }
        return memory;
    }

    // ---- graph loading ----

    private void load(Instance instance, int builderPtr, int builderCount, int encodingCode, int targetCode, int graphOut) {
        GuestMemory mem = memory(instance);
        mem.check(graphOut, 4, "graph out-pointer");
        GraphEncoding encoding = GraphEncoding.fromCode(encodingCode).orElseThrow(() -> new WasiNnException(
                NnErrno.INVALID_ENCODING, "unknown graph encoding " + Integer.toUnsignedLong(encodingCode)));
        ExecutionTarget target = ExecutionTarget.fromCode(targetCode).orElseThrow(() ->
                WasiNnException.invalidArgument("unknown execution target %d", Integer.toUnsignedLong(targetCode)));
        if (!config.allowGuestModels()) {
            throw WasiNnException.unsupported(
                    "this host does not let guests load their own model bytes; use load_by_name");
        }
        long count = Integer.toUnsignedLong(builderCount);
        if (count == 0 || count > MAX_BUILDERS) {
            throw WasiNnException.invalidArgument("graph builder count %d must be 1 to %d", count, MAX_BUILDERS);
        }
        mem.check(builderPtr, count * BUILDER_ENTRY_BYTES, "graph builder array");
        // Check every builder's range and the total before copying anything.
        int[] ptrs = new int[(int) count];
        int[] lens = new int[(int) count];
        long total = 0;
        for (int b = 0; b < count; b++) {
            int entry = builderPtr + b * BUILDER_ENTRY_BYTES;
            ptrs[b] = mem.readU32(entry, "graph builder");
            lens[b] = mem.readU32(entry + 4, "graph builder");
            mem.check(ptrs[b], Integer.toUnsignedLong(lens[b]), "graph builder " + b);
            total += Integer.toUnsignedLong(lens[b]);
        }
        if (total > config.maxGuestModelBytes()) {
            throw new WasiNnException(NnErrno.TOO_LARGE,
                    "model bytes (" + total + ") exceed this host's limit of " + config.maxGuestModelBytes());
        }
        List<byte[]> builders = new ArrayList<>((int) count);
        for (int b = 0; b < count; b++) {
            builders.add(mem.read(ptrs[b], lens[b], "graph builder " + b));
        }
        Graph graph = config.backends().forEncoding(encoding)
                .load(builders, encoding, target, config.backends().gpuPolicy());
        SharedGraph shared = SharedGraph.own("guest-graph-" + GUEST_GRAPH_IDS.incrementAndGet(), graph);
        publishGraph(mem, shared, graphOut);
    }

    private void loadByName(
            Instance instance, int namePtr, int nameLen, int configPtr, int configLen, int graphOut, boolean withConfig) {
        GuestMemory mem = memory(instance);
        mem.check(graphOut, 4, "graph out-pointer");
        String name = readName(mem, namePtr, nameLen);
        GraphRequest request = GraphRequest.byName(name);
        if (withConfig) {
            long length = Integer.toUnsignedLong(configLen);
            if (length > MAX_CONFIG_BYTES) {
                throw WasiNnException.invalidArgument("config is %d bytes; at most %d allowed", length, MAX_CONFIG_BYTES);
            }
            request = LoadConfig.parse(name, mem.read(configPtr, configLen, "config"));
        }
        publishGraph(mem, config.resolver().acquire(request), graphOut);
    }

    private static String readName(GuestMemory mem, int ptr, int length) {
        long len = Integer.toUnsignedLong(length);
        if (len == 0 || len > MAX_NAME_BYTES) {
            throw WasiNnException.invalidArgument("graph name length %d must be 1 to %d bytes", len, MAX_NAME_BYTES);
        }
        byte[] raw = mem.read(ptr, length, "graph name");
        int end = raw.length;
        // Tolerate a C string's terminator counted into the length.
        while (end > 0 && raw[end - 1] == 0) {
            end--;
        }
        if (isAscii(raw, end)) {
            // The usual name; a strict decoder per call is a measurable part of a cold request.
            return new String(raw, 0, end, StandardCharsets.US_ASCII);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw, 0, end))
                    .toString();
        } catch (CharacterCodingException e) {
            throw WasiNnException.invalidArgument("graph name is not valid UTF-8");
        }
    }

    private static boolean isAscii(byte[] bytes, int end) {
        for (int i = 0; i < end; i++) {
            if (bytes[i] < 0) {
                return false;
            }
        }
        return true;
    }

    /** Hands the guest a handle for {@code graph}; on any failure the reference is released. */
    private void publishGraph(GuestMemory mem, SharedGraph graph, int graphOut) {
        int handle;
        try {
            handle = graphs.add(graph);
        } catch (RuntimeException e) {
            graph.release();
            throw e;
        }
        mem.writeU32(graphOut, handle, "graph out-pointer");
    }

    // ---- execution ----

    private void initExecutionContext(Instance instance, int graphHandle, int ctxOut) {
        GuestMemory mem = memory(instance);
        mem.check(ctxOut, 4, "context out-pointer");
        SharedGraph graph = graphs.get(graphHandle);
        if (!graph.tryRetain()) {
            throw WasiNnException.invalidArgument("graph handle %d refers to a closed graph", graphHandle);
        }
        ContextEntry entry;
        try {
            entry = new ContextEntry(graph, graph.graph().newContext());
        } catch (RuntimeException e) {
            graph.release();
            throw e;
        }
        int handle;
        try {
            handle = contexts.add(entry);
        } catch (RuntimeException e) {
            entry.close(stagingPool);
            throw e;
        }
        if (cancelled) {
            entry.context().cancel();
        }
        mem.writeU32(ctxOut, handle, "context out-pointer");
    }

    private void setInput(Instance instance, int ctx, int index, int tensorPtr) {
        ContextEntry entry = contexts.get(ctx);
        GuestMemory mem = memory(instance);
        mem.check(tensorPtr, TENSOR_STRUCT_BYTES, "tensor");
        int dimsPtr = mem.readU32(tensorPtr, "tensor");
        long rank = Integer.toUnsignedLong(mem.readU32(tensorPtr + 4, "tensor"));
        // Crates disagree on the width of this field; only the low byte is meaningful.
        int typeCode = mem.readU32(tensorPtr + 8, "tensor") & 0xFF;
        int dataPtr = mem.readU32(tensorPtr + 12, "tensor");
        int dataLen = mem.readU32(tensorPtr + 16, "tensor");
        if (rank > MAX_RANK) {
            throw WasiNnException.invalidArgument("tensor rank %d exceeds %d", rank, MAX_RANK);
        }
        mem.check(dimsPtr, rank * 4, "tensor dimensions");
        long[] dims = new long[(int) rank];
        for (int d = 0; d < rank; d++) {
            dims[d] = Integer.toUnsignedLong(mem.readU32(dimsPtr + 4 * d, "tensor dimensions"));
        }
        long dataLength = Integer.toUnsignedLong(dataLen);
        mem.check(dataPtr, dataLength, "tensor data");
        List<TensorSpec> inputs = entry.graph().graph().inputs();
        long idx = Integer.toUnsignedLong(index);
        if (idx >= inputs.size()) {
            throw WasiNnException.invalidArgument(
                    "input index %d is out of range: the model has %d input(s)", idx, inputs.size());
        }
        TensorType declared = inputs.get(index).type();
        TensorType type = types.resolve(typeCode, Tensor.elementCount(dims), dataLength, declared);
        // Everything is checked before staging: the staging buffer may back the context's current input.
        Tensor.checkByteLength(type, dims, dataLength);
        inputs.get(index).checkInput(index, type, dims);
        if (dataLength < STAGE_ABOVE_BYTES) {
            entry.context().setInput(index, Tensor.of(type, dims, mem.read(dataPtr, dataLen, "tensor data")));
            return;
        }
        // Large inputs go from guest memory to a pooled direct buffer the backend uses as is, in
        // chunks that stay in cache, instead of through one big heap array and a second copy.
        ByteBuffer staged = entry.staging()[index];
        ByteBuffer outgrown = null;
        if (staged == null || staged.capacity() < dataLen) {
            outgrown = staged;
            staged = stagingPool.acquire(dataLen);
            entry.staging()[index] = staged;
        }
        try {
            staged.clear();
            mem.copyTo(dataPtr, dataLen, staged, STAGE_CHUNK_BYTES);
            staged.flip();
            entry.context().setInput(index, Tensor.of(type, dims, staged));
        } catch (RuntimeException e) {
            if (outgrown != null) {
                // The context never took the new buffer; the old one may still back its input.
                entry.staging()[index] = outgrown;
                stagingPool.release(staged);
            }
            throw e;
        }
        if (outgrown != null) {
            // Only after success: until then the context's current input may still live in it.
            stagingPool.release(outgrown);
        }
    }

    private void compute(int ctx) {
        ContextEntry entry = contexts.get(ctx);
        try (ComputeSlots.Slot slot = takeTurn()) {
            long start = System.nanoTime();
            try {
                entry.context().compute();
            } finally {
                computeNanos += System.nanoTime() - start;
                computeCount++;
            }
        }
    }

    /**
     * Waits for this run's turn to compute, if its grants say whose turn it is. The deadline (or
     * a cancelling caller) interrupts the wait; the guest then stops as it would in a compute.
     */
    private ComputeSlots.Slot takeTurn() {
        if (computeSlots == null) {
            return null;
        }
        long start = System.nanoTime();
        try {
            return computeSlots.enter();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChicoryInterruptedException("guest stopped while waiting for its turn to compute");
        } finally {
            computeWaitNanos += System.nanoTime() - start;
        }
    }

    private void getOutput(Instance instance, int ctx, int index, int outPtr, int outMaxLen, int bytesWrittenOut) {
        ContextEntry entry = contexts.get(ctx);
        GuestMemory mem = memory(instance);
        mem.check(bytesWrittenOut, 4, "bytes-written out-pointer");
        long capacity = Integer.toUnsignedLong(outMaxLen);
        mem.check(outPtr, capacity, "output buffer");
        long idx = Integer.toUnsignedLong(index);
        if (idx > Integer.MAX_VALUE) {
            throw WasiNnException.invalidArgument("output index %d is out of range", idx);
        }
        Tensor output = entry.context().output(index);
        int size = output.byteLength();
        if (size > capacity) {
            // Tell the guest how much room it needs, as Wasmtime-era crates expect.
            mem.writeU32(bytesWrittenOut, size, "bytes-written out-pointer");
            throw new WasiNnException(NnErrno.TOO_LARGE,
                    "output " + idx + " is " + size + " bytes; the guest buffer holds " + capacity);
        }
        mem.write(outPtr, output.toByteArray(), "output buffer");
        mem.writeU32(bytesWrittenOut, size, "bytes-written out-pointer");
    }

    // ---- lifecycle ----

    @Override
    public void cancel() {
        cancelled = true;
        for (ContextEntry entry : contexts.values()) {
            entry.context().cancel();
        }
    }

    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ContextEntry entry : contexts.drain()) {
            try {
                entry.close(stagingPool);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing an execution context failed", e);
            }
        }
        for (SharedGraph graph : graphs.drain()) {
            graph.release();
        }
    }
}
