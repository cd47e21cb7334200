package dev.jwasmnn.nn;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads that call into native inference libraries get a stack of their own choosing. ONNX
 * Runtime 1.29's session creation overflowed a 1 MiB thread stack here (SIGSEGV, no hs_err) even
 * for a one-node model, so a JVM started without {@code -Xss} must not create sessions on its
 * main thread or on a virtual thread's carrier. Only touched pages cost memory.
 */
public final class NativeStack {
    /** Stack for threads that create sessions or run inference. */
    public static final long BYTES = 16L << 20;

    private NativeStack() {}

    /** Platform daemon threads named {@code prefix-N} with the native stack size. */
    public static ThreadFactory threads(String prefix) {
        AtomicInteger ids = new AtomicInteger();
        return r -> {
            Thread t = new Thread(null, r, prefix + "-" + ids.incrementAndGet(), BYTES);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Runs {@code work} on a fresh thread with the native stack and waits for it, passing its
     * result or exception through. An interrupt of the caller is kept for after the work ends:
     * native work such as a model load is not abandoned halfway.
     */
    public static <T> T call(String name, Callable<T> work) {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                result[0] = work.call();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, name, BYTES);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return unwrap(result[0], failure[0]);
    }

    /**
     * Runs {@code work} on one of {@code workers} (threads from {@link #threads}) and waits for
     * it, like {@link #call}. Long-lived workers matter for native memory: glibc gives each new
     * thread an allocator arena, and what a model load frees stays cached in the arena it came
     * from, so loads on ever-new threads spread a reload's memory over many arenas.
     */
    public static <T> T callOn(ExecutorService workers, Callable<T> work) {
        Future<T> future = workers.submit(work);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    return unwrap(null, e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static <T> T unwrap(Object result, Throwable failure) {
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
        @SuppressWarnings("unchecked")
        T value = (T) result;
        return value;
    }
}
