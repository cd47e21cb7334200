package dev.jwasmnn.nn;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * Gives memory that native libraries have freed back to the operating system. glibc keeps freed
 * blocks cached in its arenas; after a model unloads, hundreds of MiB of weights and activations
 * can stay in the process that way, fragmented, until later allocations happen to reuse them
 * (measured: TorchScript MobileNetV2 load/unload cycles climbed from 320 to 540 MiB RSS before
 * levelling off). {@code malloc_trim(0)} returns every whole free page of every arena.
 */
public final class NativeMemory {
    private static final LibC LIBC = load();

    private NativeMemory() {}

    private interface LibC extends Library {
        int malloc_trim(long pad);
    }

    private static LibC load() {
        if (!Platform.isLinux()) {
            return null;
        }
        try {
            return Native.load("c", LibC.class);
        } catch (LinkageError | RuntimeException e) {
            return null;
        }
    }

    /**
     * Returns freed native memory to the OS where the C library can (glibc); a no-op elsewhere.
     * Costs a walk over the allocator's arenas: call it after unloading, not per request.
     *
     * @return true when memory was actually released
     */
    public static boolean releaseFreed() {
        if (LIBC == null) {
            return false;
        }
        try {
            return LIBC.malloc_trim(0) == 1;
        } catch (LinkageError e) {
            return false; // a C library without malloc_trim (musl)
        }
    }
}
