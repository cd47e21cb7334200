package dev.jwasmnn.guest;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's stdin when it is bytes already in memory (a request body), read by {@code fd_read}
 * straight into guest memory: one copy. Chicory's own fd_read allocates an array as large as
 * the guest's buffer for every call (the whole tensor, for a guest that sized its buffer to
 * the input) and copies twice; with the model's compute evicting the caches between requests,
 * each pass over a large body costs a measurable part of a request.
 *
 * <p>The same object is also Chicory's stdin stream, so both paths share one read position.
 * Once the guest closes or renumbers descriptor 0, every read goes to Chicory again, which
 * then knows better than we do what the descriptor is.
 */
final class BytesStdin extends InputStream {
    private static final int STDIN = 0;

    private final byte[] bytes;
    private int position;
    /** Descriptor 0 is no longer (only) this stream: closed or renumbered by the guest. */
    private boolean detached;

    BytesStdin(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * {@code wasi} with fd_read serving descriptor 0 from these bytes, and fd_close and
     * fd_renumber watched for the guest taking descriptor 0 away.
     */
    List<ImportFunction> around(HostFunction[] wasi) {
        List<ImportFunction> functions = new ArrayList<>(wasi.length);
        for (HostFunction f : wasi) {
            functions.add(switch (f.name()) {
                case "fd_read" -> replace(f, (instance, args) -> (int) args[0] == STDIN && !detached
                        ? read(instance.memory(), (int) args[1], (int) args[2], (int) args[3])
                        : f.handle().apply(instance, args));
                case "fd_close" -> replace(f, (instance, args) -> detachIf((int) args[0] == STDIN,
                        f.handle().apply(instance, args)));
                case "fd_renumber" -> replace(f, (instance, args) -> detachIf(
                        (int) args[0] == STDIN || (int) args[1] == STDIN, f.handle().apply(instance, args)));
                default -> f;
            });
        }
        return functions;
    }

    private static HostFunction replace(HostFunction f, WasmFunctionHandle handle) {
        return new HostFunction(f.module(), f.name(), f.functionType(), handle);
    }

    private long[] detachIf(boolean touchesStdin, long[] result) {
        if (touchesStdin && result[0] == 0) {
            detached = true;
        }
        return result;
    }

    /**
     * fd_read of descriptor 0: fills the iovecs in order until the bytes run out. A buffer
     * outside memory traps, as Chicory's fd_read does; lengths are unsigned, as WASI's are.
     */
    private long[] read(Memory memory, int iovs, int iovsLength, int readPointer) {
        long total = 0;
        for (int i = 0; i < iovsLength && position < bytes.length; i++) {
            int buffer = memory.readInt(iovs + i * 8);
            long capacity = Integer.toUnsignedLong(memory.readInt(iovs + i * 8 + 4));
            int n = (int) Math.min(capacity, bytes.length - position);
            if (n > 0) {
                memory.write(buffer, bytes, position, n);
                position += n;
                total += n;
            }
        }
        memory.writeI32(readPointer, (int) total);
        return new long[] {0};
    }

    // ---- the InputStream Chicory reads when fd_read is not ours (after a renumber, poll_oneoff) ----

    @Override
    public int read() {
        return position < bytes.length ? bytes[position++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] target, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, target.length);
        if (length == 0) {
            return 0;
        }
        if (position >= bytes.length) {
            return -1;
        }
        int n = Math.min(length, bytes.length - position);
        System.arraycopy(bytes, position, target, offset, n);
        position += n;
        return n;
    }

    @Override
    public int available() {
        return bytes.length - position;
    }

    @Override
    public long skip(long n) {
        int skipped = (int) Math.max(0, Math.min(n, bytes.length - position));
        position += skipped;
        return skipped;
    }
}
