package dev.jwasmnn.nn;

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
 * idle; beyond that, released buffers are left to the garbage collector.
 */
public final class DirectBufferPool {
    private static final int GRANULE = 4096;

    private final Map<Integer, ConcurrentLinkedDeque<ByteBuffer>> idle = new ConcurrentHashMap<>();
    private final AtomicLong idleBytes = new AtomicLong();
    private final long maxBytes;

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

    /** Returns a buffer from {@link #acquire}; the caller must no longer use it. */
    public void release(ByteBuffer buffer) {
        int capacity = buffer.capacity();
        if (idleBytes.addAndGet(capacity) > maxBytes) {
            idleBytes.addAndGet(-capacity);
            return;
        }
        idle.computeIfAbsent(capacity, c -> new ConcurrentLinkedDeque<>()).offerFirst(buffer);
    }

    /** Drops every idle buffer (graph closing). */
    public void clear() {
        idle.clear();
        idleBytes.set(0);
    }

    private static int capacityFor(int size) {
        long rounded = ((long) Math.max(size, 1) + GRANULE - 1) / GRANULE * GRANULE;
        return (int) Math.min(rounded, Integer.MAX_VALUE - 8);
    }
}
