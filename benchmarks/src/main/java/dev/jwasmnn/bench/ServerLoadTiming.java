package dev.jwasmnn.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

/** Back-to-back timing of in-process calls: single-thread latency and multi-thread throughput. */
final class ServerLoadTiming {

    /** One call; the result is returned so the work cannot be optimised away. */
    interface Op {
        Object run() throws Exception;
    }

    /** A call with per-thread state (an execution context) that must be closed. */
    interface Worker extends Op, AutoCloseable {
        @Override
        void close();
    }

    interface WorkerFactory {
        Worker open() throws Exception;
    }

    private ServerLoadTiming() {}

    /** Median time of one call, calls back to back on this thread for {@code duration} after a warm-up. */
    static double p50Micros(Op op, Duration warmup, Duration duration) throws Exception {
        long warmEnd = System.nanoTime() + warmup.toNanos();
        while (System.nanoTime() < warmEnd) {
            op.run();
        }
        long[] samples = new long[1024];
        int n = 0;
        long end = System.nanoTime() + duration.toNanos();
        long now = System.nanoTime();
        while (now < end) {
            op.run();
            long after = System.nanoTime();
            if (n == samples.length) {
                samples = Arrays.copyOf(samples, n * 2);
            }
            samples[n++] = after - now;
            now = after;
        }
        Arrays.sort(samples, 0, n);
        return samples[n / 2] / 1000.0;
    }

    /**
     * Calls per second with {@code threads} threads, each calling back to back on its own worker.
     * Each thread's rate counts from the common start to the end of its own last call, so no
     * call is cut in half at the end.
     */
    static double throughput(WorkerFactory factory, int threads, Duration warmup, Duration duration)
            throws Exception {
        long[] window = new long[2]; // measure from, measure to; set once every worker is open
        CyclicBarrier start = new CyclicBarrier(threads, () -> {
            window[0] = System.nanoTime() + warmup.toNanos();
            window[1] = window[0] + duration.toNanos();
        });
        double[] rates = new double[threads];
        AtomicReference<Exception> failure = new AtomicReference<>();
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            running.add(Thread.ofPlatform().name("load-reference-" + t).start(() -> {
                try (Worker w = factory.open()) {
                    start.await();
                    while (System.nanoTime() < window[0]) {
                        w.run();
                    }
                    long calls = 0;
                    long last = System.nanoTime();
                    while (last < window[1]) {
                        w.run();
                        calls++;
                        last = System.nanoTime();
                    }
                    rates[index] = calls * 1e9 / (last - window[0]);
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                    start.reset(); // frees the others if this one failed before the barrier
                }
            }));
        }
        for (Thread t : running) {
            t.join();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return Arrays.stream(rates).sum();
    }

    static float[] floats(byte[] raw) {
        float[] out = new float[raw.length / Float.BYTES];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
