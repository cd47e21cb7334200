package dev.jwasmnn.guest;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class CappedMemoryTest {

    @Test
    void bulkCopiesCrossPagesExactly() {
        assertThat(CappedMemory.copiesDirectly()).as("one-copy path active on this Chicory version").isTrue();
        CappedMemory memory = new CappedMemory(new MemoryLimits(3, 3));
        byte[] pattern = new byte[100_000];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * 31 + 7);
        }
        int addr = 65_536 - 1_234; // starts in page 0, runs through page 1 into page 2
        memory.write(addr, pattern);
        ByteBuffer target = ByteBuffer.allocateDirect(pattern.length + 8);
        target.putInt(0xCAFE);
        memory.copyTo(addr, pattern.length, target);
        assertThat(target.position()).isEqualTo(4 + pattern.length);
        byte[] back = new byte[pattern.length];
        target.position(4);
        target.get(back);
        assertThat(back).isEqualTo(pattern);
    }
}
