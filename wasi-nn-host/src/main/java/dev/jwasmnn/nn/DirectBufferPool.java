package dev.jwasmnn.nn;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct buffers for tensors, reused across execution contexts. Every guest run opens fresh
 * contexts; without reuse each run would malloc (and page-fault in) new native buffers, which
 * costs more than copying the data. Thread-safe and bounded: at most {@code maxBytes} are kept
 * idle.
 *
 * <p>The memory is malloc'd, not {@link ByteBuffer#allocateDirect}: buffers the pool lets go of
 * (over the bound, or after {@link #close}) are freed at once rather than left to the garbage
 * collector, because a small, quiet heap may not collect for hours, and an unloaded model must
 * give its memory back when it is unloaded. So every buffer acquired must be released exactly
 * once, and only buffers from {@link #acquire}.
 */
public final class DirectBufferPool implements AutoCloseable {
    private static final int GRANULE = 4096;
    private static final AtomicLong NATIVE_BYTES = new AtomicLong();

    private final Map<Integer, ConcurrentLinkedDeque<ByteBuffer>> idle = new ConcurrentHashMap<>();
    /** Addresses of the buffers lent out: a double or foreign release would corrupt the C heap. */
    private final Set<Long> lent = ConcurrentHashMap.newKeySet();
    private final AtomicLong idleBytes = new AtomicLong();
    private final long maxBytes;
    private volatile boolean closed;

    public DirectBufferPool(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** A native-order buffer of at least {@code size} bytes, cleared. */
    public ByteBuffer acquire(int size) {
        int capacity = capacityFor(size);
        ConcurrentLinkedDeque<ByteBuffer> free = idle.get(capacity);
        ByteBuffer buffer = free == null ? null : free.pollFirst();
        if (buffer == null) {
            buffer = allocate(capacity);
        } else {
            idleBytes.addAndGet(-capacity);
            buffer.clear();
        }
        lent.add(address(buffer));
        return buffer;
    }

    /**
     * Returns a buffer from {@link #acquire}. The caller, and any native object that wrapped the
     * buffer, must no longer use it: it may be freed here.
     */
    public void release(ByteBuffer buffer) {
        if (!buffer.isDirect() || !lent.remove(address(buffer))) {
            throw new IllegalStateException("released a buffer this pool did not lend, or released it twice");
        }
        int capacity = buffer.capacity();
        if (closed) {
            free(buffer);
            return;
        }
        if (idleBytes.addAndGet(capacity) > maxBytes) {
            idleBytes.addAndGet(-capacity);
            free(buffer);
            return;
        }
        idle.computeIfAbsent(capacity, c -> new ConcurrentLinkedDeque<>()).offerFirst(buffer);
        if (closed) {
            drain(); // raced with close()
        }
    }

    /** Frees every idle buffer; buffers released later are freed as they come back. */
    @Override
    public void close() {
        closed = true;
        drain();
    }

    private void drain() {
        for (ConcurrentLinkedDeque<ByteBuffer> buffers : idle.values()) {
            ByteBuffer b;
            while ((b = buffers.pollFirst()) != null) {
                idleBytes.addAndGet(-b.capacity());
                free(b);
            }
        }
    }

    private static int capacityFor(int size) {
        long rounded = ((long) Math.max(size, 1) + GRANULE - 1) / GRANULE * GRANULE;
        return (int) Math.min(rounded, Integer.MAX_VALUE - 8);
    }

    /** Bytes currently allocated by all pools, in use or idle (diagnostics, tests). */
    public static long nativeBytes() {
        return NATIVE_BYTES.get();
    }

    private static ByteBuffer allocate(int capacity) {
        long address = Native.malloc(capacity);
        if (address == 0) {
            throw new OutOfMemoryError("could not allocate a " + capacity + "-byte native tensor buffer");
        }
        NATIVE_BYTES.addAndGet(capacity);
        return new Pointer(address).getByteBuffer(0, capacity).order(ByteOrder.nativeOrder());
    }

    private static void free(ByteBuffer buffer) {
        NATIVE_BYTES.addAndGet(-buffer.capacity());
        Native.free(address(buffer));
    }

    private static long address(ByteBuffer buffer) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(buffer));
    }
}
