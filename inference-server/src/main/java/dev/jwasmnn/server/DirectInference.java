package dev.jwasmnn.server;

import dev.jwasmnn.nn.ComputeSlots;
import dev.jwasmnn.nn.NativeStack;
import dev.jwasmnn.nn.NnErrno;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorSpec;
import dev.jwasmnn.nn.WasiNnException;
import dev.jwasmnn.preprocess.spi.StepException;
import dev.jwasmnn.nn.spi.ExecutionContext;
import dev.jwasmnn.nn.registry.SharedGraph;
import dev.jwasmnn.server.oip.EncodedResponse;
import dev.jwasmnn.server.oip.InferRequest;
import dev.jwasmnn.server.oip.InferResponseEncoder;
import dev.jwasmnn.server.oip.OipException;
import dev.jwasmnn.store.ModelVersion;
import java.util.ArrayList;
import java.util.Collections;
import java.util.WeakHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a model's graph for an Open Inference Protocol request, without a guest.
 *
 * <p>Where the compute runs depends on how long it takes. A long native call on a virtual thread
 * would pin its carrier, and with one carrier per core a few computes would stall every other
 * request, health checks included; so a compute that has been taking long runs on a platform
 * thread with a native stack, where the deadline can cancel it inside the backend. A compute
 * that takes microseconds (the tiny model: 4 µs) runs right on the request's thread: handing it
 * to another thread and back measured ~70 µs here, 20 times the compute, and pinning a carrier
 * for microseconds costs nothing. Each version's recent compute time (a moving average) decides;
 * until it is known, and for large inputs, the platform thread is used.
 */
final class DirectInference implements AutoCloseable {
    /** Computes expected to finish within this run inline. */
    private static final long INLINE_NANOS = 200_000;
    /** Inputs this large always go to a compute thread, whatever the average says. */
    private static final long INLINE_MAX_INPUT_BYTES = 64 * 1024;

    private final ExecutorService computeThreads;
    /** Weak keys: a retired version's entry goes with it, however many reloads there are. */
    private final Map<ModelVersion, AtomicLong> averageComputeNanos = Collections.synchronizedMap(new WeakHashMap<>());

    DirectInference() {
        this.computeThreads = Executors.newCachedThreadPool(NativeStack.threads("jwasm-compute"));
    }

    /** The encoded response, written into one array while the outputs are still alive. */
    record Result(EncodedResponse response, byte[] body) {}

    /**
     * The version's declared outputs, or, when it declares none (TorchScript without
     * {@code outputs:} in its config), Triton's PyTorch naming: OUTPUT__0, OUTPUT__1 ... A declared
     * list of another length is the encoder's error to report, not ours to paper over.
     */
    static List<TensorSpec> outputSpecs(ModelVersion version, List<Tensor> outputs) {
        if (!version.outputs().isEmpty()) {
            return version.outputs();
        }
        List<TensorSpec> named = new ArrayList<>(outputs.size());
        for (int i = 0; i < outputs.size(); i++) {
            Tensor t = outputs.get(i);
            named.add(new TensorSpec("OUTPUT__" + i, t.type(), t.type().datatype(), t.shape()));
        }
        return named;
    }

    Result infer(ModelVersion version, ComputeSlots slots, InferRequest request, List<Tensor> inputs,
            long deadlineNanos, RequestTimings timings) {
        return run(version, slots, inputs, deadlineNanos, timings, outputs -> {
            EncodedResponse encoded = InferResponseEncoder.encode(version.model(),
                    Long.toString(version.version()), request, outputSpecs(version, outputs), outputs);
            return new Result(encoded, encoded.toByteArray());
        });
    }

    /**
     * Computes {@code inputs} on the version's graph and hands the outputs to {@code finish}, on
     * the compute's thread while they are alive; returns what it makes of them. Only the compute
     * holds a turn at {@code slots}: the inputs are copied in before it and the outputs read after
     * it, so the next request's compute can start the moment this one's ends. A long compute's
     * thread waits for the turn itself (measured: handing over a turn to a waiting compute thread
     * leaves the model idle for less than handing it to the request's thread first); a request
     * that gives up meanwhile interrupts that wait ({@link TurnWait}).
     */
    <T> T run(ModelVersion version, ComputeSlots slots, List<Tensor> inputs, long deadlineNanos,
            RequestTimings timings, java.util.function.Function<List<Tensor>, T> finish) {
        SharedGraph shared = version.graph();
        // The compute holds the graph itself: a request that gives up (deadline, hang-up) answers at
        // once and closes its lease, while a compute the backend cannot stop (a libtorch forward
        // pass) runs to its end on a graph that is still open, its context and turn its own.
        if (!shared.tryRetain()) {
            throw new HttpProblem(503, "model '" + version.model() + "' version " + version.version() + " was unloaded");
        }
        ExecutionContext ctx;
        try {
            ctx = shared.graph().newContext();
        } catch (RuntimeException | Error e) {
            shared.release();
            throw e;
        }
        AtomicLong average = averageComputeNanos.computeIfAbsent(version, v -> new AtomicLong(-1));
        TurnWait wait = new TurnWait();
        Callable<T> work = () -> {
            try (ctx) {
                for (int i = 0; i < inputs.size(); i++) {
                    ctx.setInput(i, inputs.get(i));
                }
                long computeNanos;
                try (ComputeSlots.Slot turn = wait.take(slots, deadlineNanos, timings)) {
                    long start = System.nanoTime();
                    ctx.compute();
                    computeNanos = System.nanoTime() - start;
                }
                long seen = average.get();
                // Moving average over ~8 computes; the first one sets it.
                average.set(seen < 0 ? computeNanos : seen + (computeNanos - seen) / 8);
                if (wait.abandoned()) {
                    return null; // nobody is waiting for the answer
                }
                timings.computeNanos = computeNanos;
                List<Tensor> outputs = new ArrayList<>(ctx.outputCount());
                for (int i = 0; i < ctx.outputCount(); i++) {
                    outputs.add(ctx.output(i));
                }
                return finish.apply(outputs);
            } finally {
                shared.release();
            }
        };
        long averageNanos = average.get();
        if (averageNanos >= 0 && averageNanos < INLINE_NANOS && inputBytes(inputs) <= INLINE_MAX_INPUT_BYTES
                && deadlineNanos - System.nanoTime() > INLINE_NANOS) {
            return inline(work);
        }
        Future<T> task;
        try {
            task = computeThreads.submit(work);
        } catch (RuntimeException | Error e) { // no thread (shut down, or none could be made)
            ctx.close();
            shared.release();
            throw e;
        }
        try {
            long left = deadlineNanos - System.nanoTime();
            return task.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            ctx.cancel();
            wait.abandon();
            // ONNX Runtime stops at once: give it that moment, so its context is closed before the
            // answer. A compute that does not stop (libtorch) is left to end on its own: it owns
            // its context, its turn and a hold on the graph.
            awaitBriefly(task);
            throw HttpProblem.deadline(wait.missedTurn()
                    ? "the request's deadline passed while it waited for its turn to compute"
                    : "the request's deadline passed during inference");
        } catch (InterruptedException e) {
            ctx.cancel();
            wait.abandon();
            Thread.currentThread().interrupt();
            throw new HttpProblem(499, "the client closed the connection");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WasiNnException nn) {
                throw fromBackend(nn);
            }
            if (cause instanceof OipException oip) {
                throw oip;
            }
            if (cause instanceof StepException step) {
                throw step;
            }
            if (cause instanceof HttpProblem problem) {
                throw problem;
            }
            System.getLogger(DirectInference.class.getName()).log(System.Logger.Level.ERROR,
                    "inference on " + version + " failed", cause);
            throw new HttpProblem(500, "inference failed: internal error (details in the server log)", cause);
        }
    }

    /**
     * One request's wait for its turn, which the request can abandon from its own thread: exactly
     * one side wins the handshake, so either the waiter is interrupted (and holds no slot), or it
     * already has its slot and the cancelled context ends the compute.
     */
    private static final class TurnWait {
        private final java.util.concurrent.atomic.AtomicReference<Thread> waiter =
                new java.util.concurrent.atomic.AtomicReference<>();
        private volatile boolean abandoned;
        private volatile boolean missedTurn;

        /** Whether the request gave up on this compute. */
        boolean abandoned() {
            return abandoned;
        }

        /** Whether the wait ended without a turn (deadline or abandoned). */
        boolean missedTurn() {
            return missedTurn;
        }

        /** Waits for the model's next free compute slot; the wait counts as queueing. */
        ComputeSlots.Slot take(ComputeSlots slots, long deadlineNanos, RequestTimings timings) {
            long start = System.nanoTime();
            ComputeSlots.Slot turn = null;
            boolean interrupted = false;
            waiter.set(Thread.currentThread());
            try {
                if (!abandoned) {
                    turn = slots.enter(deadlineNanos);
                }
            } catch (InterruptedException e) {
                interrupted = true;
            } finally {
                timings.queueNanos += System.nanoTime() - start;
            }
            if (waiter.getAndSet(null) == null) {
                // abandon() won: it interrupts this thread, now or in a moment; take that interrupt
                // here rather than let it land in the pool thread's next task, and give back a slot.
                if (!interrupted) {
                    awaitInterrupt();
                }
                if (turn != null) {
                    turn.close();
                    turn = null;
                }
            } else if (interrupted) {
                Thread.currentThread().interrupt(); // not ours (the server is stopping): keep it
            }
            if (turn != null) {
                return turn;
            }
            missedTurn = true;
            if (abandoned || interrupted) {
                throw new HttpProblem(499, "the request was cancelled while it waited for its turn to compute");
            }
            throw HttpProblem.deadline("the request's deadline passed while it waited for its turn to compute");
        }

        /** Called by the request's thread when it gives up. */
        void abandon() {
            abandoned = true;
            Thread t = waiter.getAndSet(null);
            if (t != null) {
                t.interrupt();
            }
        }

        private static void awaitInterrupt() {
            // abandon() clears the waiter before it interrupts, so the interrupt follows at once.
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            while (!Thread.interrupted() && System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
        }
    }

    private static <T> T inline(Callable<T> work) {
        try {
            return work.call();
        } catch (WasiNnException nn) {
            throw fromBackend(nn);
        } catch (OipException | HttpProblem | StepException e) {
            throw e;
        } catch (Exception e) {
            System.getLogger(DirectInference.class.getName()).log(System.Logger.Level.ERROR, "inference failed", e);
            throw new HttpProblem(500, "inference failed: internal error (details in the server log)", e);
        }
    }

    private static HttpProblem fromBackend(WasiNnException nn) {
        int status = nn.errno() == NnErrno.INVALID_ARGUMENT ? 400 : 500;
        return new HttpProblem(status, "inference failed: " + nn.getMessage());
    }

    private static long inputBytes(List<Tensor> inputs) {
        long n = 0;
        for (Tensor t : inputs) {
            n += t.byteLength();
        }
        return n;
    }

    /** How long a request that gave up waits for its cancelled compute to end. */
    private static final long CANCEL_GRACE_MILLIS = 50;

    /** Waits up to {@link #CANCEL_GRACE_MILLIS} for a cancelled compute to end. */
    private static void awaitBriefly(Future<?> task) {
        try {
            task.get(CANCEL_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // Ended with the cancel's error, or still running on its own: either way not ours now.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits up to 30 s for computes still running, abandoned ones included: a libtorch forward
     * pass left to finish must end before its graph and the backend close.
     */
    @Override
    public void close() {
        computeThreads.shutdown();
        try {
            if (!computeThreads.awaitTermination(30, TimeUnit.SECONDS)) {
                System.getLogger(DirectInference.class.getName()).log(System.Logger.Level.WARNING,
                        "computes still running after 30 s; closing without them");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
