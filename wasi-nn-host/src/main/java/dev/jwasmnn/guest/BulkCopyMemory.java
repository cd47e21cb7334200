package dev.jwasmnn.guest;

import java.nio.ByteBuffer;

/**
 * A guest memory that can copy a range straight into a (direct) buffer: one copy where
 * {@code Memory.readBytes} needs two (into a fresh array, then into the buffer). Host functions
 * that move large tensors out of the guest use it when the memory offers it.
 */
public interface BulkCopyMemory {

    /** Copies [addr, addr + length) into {@code target} at its position; the caller checked bounds. */
    void copyTo(int addr, int length, ByteBuffer target);
}
