package dev.jwasmnn.nn.abi;

import com.dylibso.chicory.runtime.Memory;
import dev.jwasmnn.nn.WasiNnException;

/**
 * Bounds-checked access to the guest's linear memory. Guest pointers and lengths are unsigned
 * 32-bit values; every range is checked against the memory's current size before it is touched,
 * so a bad pointer becomes invalid_argument instead of a trap.
 */
final class GuestMemory {
    private final Memory memory;

    GuestMemory(Memory memory) {
        this.memory = memory;
    }

    long size() {
        return (long) memory.pages() * Memory.PAGE_SIZE;
    }

    /** Checks that [ptr, ptr + length) lies inside memory. */
    void check(int ptr, long length, String what) {
        long start = Integer.toUnsignedLong(ptr);
        long size = size();
        if (length < 0 || start + length > size) {
            throw WasiNnException.invalidArgument(
                    "%s [%d, %d) lies outside guest memory (%d bytes)", what, start, start + length, size);
        }
    }

    int readU32(int ptr, String what) {
        check(ptr, 4, what);
        return memory.readInt(ptr);
    }

    byte[] read(int ptr, int length, String what) {
        check(ptr, Integer.toUnsignedLong(length), what);
        return memory.readBytes(ptr, length);
    }

    /** Copies [ptr, ptr + length) into {@code target} in chunks of {@code chunk} bytes. */
    void copyTo(int ptr, int length, java.nio.ByteBuffer target, int chunk) {
        check(ptr, Integer.toUnsignedLong(length), "tensor data");
        if (memory instanceof dev.jwasmnn.guest.BulkCopyMemory bulk) {
            bulk.copyTo(ptr, length, target);
            return;
        }
        for (int done = 0; done < length; done += chunk) {
            int n = Math.min(chunk, length - done);
            target.put(memory.readBytes(ptr + done, n));
        }
    }

    void writeU32(int ptr, int value, String what) {
        check(ptr, 4, what);
        memory.writeI32(ptr, value);
    }

    void write(int ptr, byte[] data, String what) {
        check(ptr, data.length, what);
        memory.write(ptr, data);
    }
}
