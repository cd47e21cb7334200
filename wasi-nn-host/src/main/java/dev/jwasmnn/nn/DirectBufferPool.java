package dev.jwasmnn.nn;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct buffers for tensors, reused across execution contexts. Every guest run opens fresh
 * contexts; without reuse each run would malloc (and page-fault in) new native buffers, which
 * costs more than copying the data. Thread-safe and bounded: at most {@code maxBytes} are kept
 * idle.
 *
 * <p>Buffers the pool lets go of (over the bound, or after {@link #close}) are freed at once
 * rather than left to the garbage collector: a small, quiet heap may not collect for hours, and
 * an unloaded model must give its memory back when it is unloaded.
 */
public final class DirectBufferPool implements AutoCloseable {
    private static final int GRANULE = 4096;
    private static final MethodHandle FREE = freeHandle();

    private final Map<Integer, ConcurrentLinkedDeque<ByteBuffer>> idle = new ConcurrentHashMap<>();
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
            return ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
        }
        idleBytes.addAndGet(-capacity);
        buffer.clear();
        return buffer;
    }

    /**
     * Returns a buffer from {@link #acquire}. The caller, and any native object that wrapped the
     * buffer, must no longer use it: it may be freed here.
     */
    public void release(ByteBuffer buffer) {
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

    /** Frees a direct buffer's memory now (the JDK's own cleaner, run early). */
    static void free(ByteBuffer buffer) {
        if (FREE == null) {
            return; // left to the garbage collector
        }
        try {
            FREE.invokeExact(buffer);
        } catch (Throwable e) {
            // Not a buffer we can free (a slice or duplicate): the collector will.
        }
    }

    // sun.misc.Unsafe#invokeCleaner is the one supported-in-practice way to free a direct buffer
    // on Java 21 without preview features; it is not among the methods JEP 471 deprecates.
    private static MethodHandle freeHandle() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field field = unsafeClass.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            Object unsafe = field.get(null);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(unsafe);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
