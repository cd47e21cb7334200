package dev.jwasmnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The pool reuses buffers and frees what it lets go of at once, without waiting for a GC. */
class DirectBufferPoolTest {
    private static final int MIB = 1 << 20;

    @Test
    void reusesAReleasedBufferOfTheSameSize() {
        try (DirectBufferPool pool = new DirectBufferPool(8L * MIB)) {
            ByteBuffer first = pool.acquire(MIB);
            assertThat(first.isDirect()).isTrue();
            first.putLong(MIB - 8, 42L);
            pool.release(first);
            ByteBuffer again = pool.acquire(MIB - 100);
            assertThat(again).isSameAs(first);
            assertThat(again.getLong(MIB - 8)).as("the same memory, not a copy").isEqualTo(42L);
            pool.release(again);
        }
    }

    @Test
    void refusesADoubleOrForeignReleaseInsteadOfFreeingTwice() {
        try (DirectBufferPool pool = new DirectBufferPool(8L * MIB)) {
            long before = DirectBufferPool.nativeBytes();
            ByteBuffer b = pool.acquire(MIB);
            pool.release(b);
            assertThatThrownBy(() -> pool.release(b)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> pool.release(ByteBuffer.allocateDirect(16))).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> pool.release(ByteBuffer.allocate(16))).isInstanceOf(IllegalStateException.class);
            assertThat(DirectBufferPool.nativeBytes() - before).as("kept idle once, not freed").isEqualTo(MIB);
            assertThat(pool.acquire(MIB)).isSameAs(b);
            pool.release(b);
        }
    }

    @Test
    void closeAndOverflowFreeNativeMemoryImmediately() {
        // Other tests in this JVM may hold pooled buffers: measure relative to now.
        long before = DirectBufferPool.nativeBytes();
        DirectBufferPool pool = new DirectBufferPool(4L * MIB);
        ByteBuffer[] buffers = new ByteBuffer[8];
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = pool.acquire(MIB);
            buffers[i].put(0, (byte) i).put(MIB - 1, (byte) i); // the whole range is writable
        }
        assertThat(DirectBufferPool.nativeBytes() - before).isEqualTo(8L * MIB);
        for (ByteBuffer b : buffers) {
            pool.release(b); // four are kept, four are over the bound and freed
        }
        assertThat(DirectBufferPool.nativeBytes() - before).isEqualTo(4L * MIB);
        ByteBuffer held = pool.acquire(MIB);
        pool.close(); // the three idle ones
        assertThat(DirectBufferPool.nativeBytes() - before).isEqualTo(MIB);
        pool.release(held); // after close, freed on return
        assertThat(DirectBufferPool.nativeBytes() - before).isZero();
    }
}
