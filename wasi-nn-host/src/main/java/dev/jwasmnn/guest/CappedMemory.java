package dev.jwasmnn.guest;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;

/**
 * A guest's linear memory: a {@link ByteArrayMemory} capped at the run's limit, which remembers
 * a refused {@code memory.grow} so a guest that dies of it is reported as hitting the memory
 * limit rather than as an anonymous trap. Every other call is forwarded unchanged.
 */
final class CappedMemory implements Memory, BulkCopyMemory {
    /**
     * ByteArrayMemory keeps its bytes in 64 KiB pages it does not expose; reading them directly
     * saves a copy per tensor. Null when this Chicory version has no such field (then the
     * public readBytes is used).
     */
    private static final VarHandle PAGES = pagesHandle();

    private final ByteArrayMemory delegate;
    private volatile int refusedGrowPages;

    private static VarHandle pagesHandle() {
        try {
            VarHandle h = MethodHandles.privateLookupIn(ByteArrayMemory.class, MethodHandles.lookup())
                    .findVarHandle(ByteArrayMemory.class, "pages", byte[][].class);
            return h;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Whether {@link #copyTo} reads the pages directly (one copy) on this Chicory version. */
    static boolean copiesDirectly() {
        return PAGES != null;
    }

    @Override
    public void copyTo(int addr, int length, ByteBuffer target) {
        byte[][] pages = PAGES == null ? null : (byte[][]) PAGES.get(delegate);
        if (pages == null) {
            target.put(delegate.readBytes(addr, length));
            return;
        }
        int a = addr;
        int remaining = length;
        while (remaining > 0) {
            int page = a >>> 16;
            int offset = a & 0xFFFF;
            int n = Math.min(remaining, PAGE_SIZE - offset);
            target.put(pages[page], offset, n);
            a += n;
            remaining -= n;
        }
    }

    CappedMemory(MemoryLimits limits) {
        this.delegate = new ByteArrayMemory(limits);
    }

    /** Pages the guest last asked for beyond the cap, or 0 if no grow was refused. */
    int refusedGrowPages() {
        return refusedGrowPages;
    }

    @Override
    public int grow(int size) {
        int previous = delegate.grow(size);
        if (previous < 0) {
            refusedGrowPages = size;
        }
        return previous;
    }

    @Override
    public int pages() {
        return delegate.pages();
    }

    @Override
    public int initialPages() {
        return delegate.initialPages();
    }

    @Override
    public int maximumPages() {
        return delegate.maximumPages();
    }

    @Override
    public boolean shared() {
        return delegate.shared();
    }

    @Override
    @Deprecated(forRemoval = true)
    @SuppressWarnings("removal")
    public Object lock(int address) {
        return delegate.lock(address);
    }

    @Override
    @Deprecated(forRemoval = true)
    @SuppressWarnings("removal")
    public int waitOn(int address, int expected, long timeout) {
        return delegate.waitOn(address, expected, timeout);
    }

    @Override
    @Deprecated(forRemoval = true)
    @SuppressWarnings("removal")
    public int waitOn(int address, long expected, long timeout) {
        return delegate.waitOn(address, expected, timeout);
    }

    @Override
    @Deprecated(forRemoval = true)
    @SuppressWarnings("removal")
    public int notify(int address, int maxThreads) {
        return delegate.notify(address, maxThreads);
    }

    @Override
    public void atomicFence() {
        delegate.atomicFence();
    }

    @Override
    public int atomicWait(int addr, int expected, long timeout) {
        return delegate.atomicWait(addr, expected, timeout);
    }

    @Override
    public int atomicWait(int addr, long expected, long timeout) {
        return delegate.atomicWait(addr, expected, timeout);
    }

    @Override
    public int atomicNotify(int addr, int maxThreads) {
        return delegate.atomicNotify(addr, maxThreads);
    }

    @Override
    public int atomicReadInt(int addr) {
        return delegate.atomicReadInt(addr);
    }

    @Override
    public long atomicReadLong(int addr) {
        return delegate.atomicReadLong(addr);
    }

    @Override
    public short atomicReadShort(int addr) {
        return delegate.atomicReadShort(addr);
    }

    @Override
    public byte atomicReadByte(int addr) {
        return delegate.atomicReadByte(addr);
    }

    @Override
    public void atomicWriteInt(int addr, int value) {
        delegate.atomicWriteInt(addr, value);
    }

    @Override
    public void atomicWriteLong(int addr, long value) {
        delegate.atomicWriteLong(addr, value);
    }

    @Override
    public void atomicWriteShort(int addr, short value) {
        delegate.atomicWriteShort(addr, value);
    }

    @Override
    public void atomicWriteByte(int addr, byte value) {
        delegate.atomicWriteByte(addr, value);
    }

    @Override
    public int atomicAddInt(int addr, int delta) {
        return delegate.atomicAddInt(addr, delta);
    }

    @Override
    public int atomicAndInt(int addr, int mask) {
        return delegate.atomicAndInt(addr, mask);
    }

    @Override
    public int atomicOrInt(int addr, int mask) {
        return delegate.atomicOrInt(addr, mask);
    }

    @Override
    public int atomicXorInt(int addr, int mask) {
        return delegate.atomicXorInt(addr, mask);
    }

    @Override
    public int atomicXchgInt(int addr, int value) {
        return delegate.atomicXchgInt(addr, value);
    }

    @Override
    public int atomicCmpxchgInt(int addr, int expected, int replacement) {
        return delegate.atomicCmpxchgInt(addr, expected, replacement);
    }

    @Override
    public long atomicAddLong(int addr, long delta) {
        return delegate.atomicAddLong(addr, delta);
    }

    @Override
    public long atomicAndLong(int addr, long mask) {
        return delegate.atomicAndLong(addr, mask);
    }

    @Override
    public long atomicOrLong(int addr, long mask) {
        return delegate.atomicOrLong(addr, mask);
    }

    @Override
    public long atomicXorLong(int addr, long mask) {
        return delegate.atomicXorLong(addr, mask);
    }

    @Override
    public long atomicXchgLong(int addr, long value) {
        return delegate.atomicXchgLong(addr, value);
    }

    @Override
    public long atomicCmpxchgLong(int addr, long expected, long replacement) {
        return delegate.atomicCmpxchgLong(addr, expected, replacement);
    }

    @Override
    public short atomicAddShort(int addr, short delta) {
        return delegate.atomicAddShort(addr, delta);
    }

    @Override
    public short atomicAndShort(int addr, short mask) {
        return delegate.atomicAndShort(addr, mask);
    }

    @Override
    public short atomicOrShort(int addr, short mask) {
        return delegate.atomicOrShort(addr, mask);
    }

    @Override
    public short atomicXorShort(int addr, short mask) {
        return delegate.atomicXorShort(addr, mask);
    }

    @Override
    public short atomicXchgShort(int addr, short value) {
        return delegate.atomicXchgShort(addr, value);
    }

    @Override
    public short atomicCmpxchgShort(int addr, short expected, short replacement) {
        return delegate.atomicCmpxchgShort(addr, expected, replacement);
    }

    @Override
    public byte atomicAddByte(int addr, byte delta) {
        return delegate.atomicAddByte(addr, delta);
    }

    @Override
    public byte atomicAndByte(int addr, byte mask) {
        return delegate.atomicAndByte(addr, mask);
    }

    @Override
    public byte atomicOrByte(int addr, byte mask) {
        return delegate.atomicOrByte(addr, mask);
    }

    @Override
    public byte atomicXorByte(int addr, byte mask) {
        return delegate.atomicXorByte(addr, mask);
    }

    @Override
    public byte atomicXchgByte(int addr, byte value) {
        return delegate.atomicXchgByte(addr, value);
    }

    @Override
    public byte atomicCmpxchgByte(int addr, byte expected, byte replacement) {
        return delegate.atomicCmpxchgByte(addr, expected, replacement);
    }

    @Override
    public void initialize(Instance instance, DataSegment[] dataSegments) {
        delegate.initialize(instance, dataSegments);
    }

    @Override
    public void initialize(Instance instance, DataSegment[] dataSegments, int memoryIndex) {
        delegate.initialize(instance, dataSegments, memoryIndex);
    }

    @Override
    public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
        delegate.initPassiveSegment(segmentId, dest, offset, size);
    }

    @Override
    public void writeString(int offset, String data, Charset charSet) {
        delegate.writeString(offset, data, charSet);
    }

    @Override
    public void writeString(int offset, String data) {
        delegate.writeString(offset, data);
    }

    @Override
    public String readString(int addr, int len) {
        return delegate.readString(addr, len);
    }

    @Override
    public String readString(int addr, int len, Charset charSet) {
        return delegate.readString(addr, len, charSet);
    }

    @Override
    public void writeCString(int offset, String str) {
        delegate.writeCString(offset, str);
    }

    @Override
    public void writeCString(int offset, String str, Charset charSet) {
        delegate.writeCString(offset, str, charSet);
    }

    @Override
    public String readCString(int addr, Charset charSet) {
        return delegate.readCString(addr, charSet);
    }

    @Override
    public String readCString(int addr) {
        return delegate.readCString(addr);
    }

    @Override
    public void write(int addr, byte[] data) {
        delegate.write(addr, data);
    }

    @Override
    public void write(int addr, byte[] data, int offset, int size) {
        delegate.write(addr, data, offset, size);
    }

    @Override
    public byte read(int addr) {
        return delegate.read(addr);
    }

    @Override
    public byte[] readBytes(int addr, int len) {
        return delegate.readBytes(addr, len);
    }

    @Override
    public void writeI32(int addr, int data) {
        delegate.writeI32(addr, data);
    }

    @Override
    public int readInt(int addr) {
        return delegate.readInt(addr);
    }

    @Override
    public long readI32(int addr) {
        return delegate.readI32(addr);
    }

    @Override
    public long readU32(int addr) {
        return delegate.readU32(addr);
    }

    @Override
    public void writeLong(int addr, long data) {
        delegate.writeLong(addr, data);
    }

    @Override
    public long readLong(int addr) {
        return delegate.readLong(addr);
    }

    @Override
    public long readI64(int addr) {
        return delegate.readI64(addr);
    }

    @Override
    public void writeShort(int addr, short data) {
        delegate.writeShort(addr, data);
    }

    @Override
    public short readShort(int addr) {
        return delegate.readShort(addr);
    }

    @Override
    public long readI16(int addr) {
        return delegate.readI16(addr);
    }

    @Override
    public long readU16(int addr) {
        return delegate.readU16(addr);
    }

    @Override
    public void writeByte(int addr, byte data) {
        delegate.writeByte(addr, data);
    }

    @Override
    public long readU8(int addr) {
        return delegate.readU8(addr);
    }

    @Override
    public long readI8(int addr) {
        return delegate.readI8(addr);
    }

    @Override
    public void writeF32(int addr, float data) {
        delegate.writeF32(addr, data);
    }

    @Override
    public long readF32(int addr) {
        return delegate.readF32(addr);
    }

    @Override
    public float readFloat(int addr) {
        return delegate.readFloat(addr);
    }

    @Override
    public void writeF64(int addr, double data) {
        delegate.writeF64(addr, data);
    }

    @Override
    public double readDouble(int addr) {
        return delegate.readDouble(addr);
    }

    @Override
    public long readF64(int addr) {
        return delegate.readF64(addr);
    }

    @Override
    public void zero() {
        delegate.zero();
    }

    @Override
    public void fill(byte value, int fromIndex, int toIndex) {
        delegate.fill(value, fromIndex, toIndex);
    }

    @Override
    public void copy(int dest, int src, int size) {
        delegate.copy(dest, src, size);
    }

    @Override
    public void drop(int segment) {
        delegate.drop(segment);
    }
}
