package dev.jwasmnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The pool reuses buffers and frees what it lets go of at once, without waiting for a GC. */
class DirectBufferPoolTest {
    private static final int MIB = 1 << 20;

    @Test
    void reusesAReleasedBufferOfTheSameSize() {
        try (DirectBufferPool pool = new DirectBufferPool(8L * MIB)) {
            ByteBuffer first = pool.acquire(MIB);
            pool.release(first);
            assertThat(pool.acquire(MIB - 100)).isSameAs(first);
        }
    }

    @Test
    void closeAndOverflowFreeNativeMemoryImmediately() {
        long before = directBytesUsed();
        DirectBufferPool pool = new DirectBufferPool(4L * MIB);
        ByteBuffer[] buffers = new ByteBuffer[8];
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = pool.acquire(MIB);
        }
        assertThat(directBytesUsed() - before).isGreaterThanOrEqualTo(8L * MIB);
        for (ByteBuffer b : buffers) {
            pool.release(b); // four are kept, four are over the bound and freed
        }
        assertThat(directBytesUsed() - before).isBetween(4L * MIB, 5L * MIB);
        ByteBuffer held = pool.acquire(MIB);
        pool.close(); // the three idle ones
        assertThat(directBytesUsed() - before).isBetween(1L * MIB, 2L * MIB);
        pool.release(held); // after close, freed on return
        assertThat(directBytesUsed() - before).isLessThan(MIB);
    }

    private static long directBytesUsed() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
    }
}
