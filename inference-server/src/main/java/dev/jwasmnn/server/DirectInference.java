package dev.jwasmnn.server;

import dev.jwasmnn.nn.NativeStack;
import dev.jwasmnn.nn.NnErrno;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.WasiNnException;
import dev.jwasmnn.nn.spi.ExecutionContext;
import dev.jwasmnn.nn.spi.Graph;
import dev.jwasmnn.server.oip.EncodedResponse;
import dev.jwasmnn.server.oip.InferRequest;
import dev.jwasmnn.server.oip.InferResponseEncoder;
import dev.jwasmnn.server.oip.OipException;
import dev.jwasmnn.store.ModelVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a model's graph for an Open Inference Protocol request, without a guest. The compute
 * runs on a platform thread: a native call on a virtual thread would pin its carrier, and with
 * one carrier per core a few computes would stall every other request, health checks included.
 * The deadline cancels the compute inside the backend; the context is always closed by the
 * thread that used it, after the backend has let go.
 */
final class DirectInference implements AutoCloseable {
    private final ExecutorService computeThreads;

    DirectInference() {
        this.computeThreads = Executors.newCachedThreadPool(NativeStack.threads("jwasm-compute"));
    }

    /** The encoded response, written into one array while the outputs are still alive. */
    record Result(EncodedResponse response, byte[] body) {}

    Result infer(ModelVersion version, InferRequest request, List<Tensor> inputs, long deadlineNanos,
            RequestTimings timings) {
        Graph graph = version.graph().graph();
        ExecutionContext ctx = graph.newContext();
        Future<Result> task;
        try {
            task = computeThreads.submit(() -> {
                try (ctx) {
                    for (int i = 0; i < inputs.size(); i++) {
                        ctx.setInput(i, inputs.get(i));
                    }
                    long start = System.nanoTime();
                    ctx.compute();
                    timings.computeNanos = System.nanoTime() - start;
                    List<Tensor> outputs = new ArrayList<>(ctx.outputCount());
                    for (int i = 0; i < ctx.outputCount(); i++) {
                        outputs.add(ctx.output(i));
                    }
                    EncodedResponse encoded = InferResponseEncoder.encode(version.model(),
                            Long.toString(version.version()), request, graph.outputs(), outputs);
                    return new Result(encoded, encoded.toByteArray());
                }
            });
        } catch (RuntimeException e) {
            ctx.close();
            throw e;
        }
        try {
            long left = deadlineNanos - System.nanoTime();
            return task.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            ctx.cancel();
            awaitQuietly(task);
            throw HttpProblem.deadline("the request's deadline passed during inference");
        } catch (InterruptedException e) {
            ctx.cancel();
            awaitQuietly(task);
            Thread.currentThread().interrupt();
            throw new HttpProblem(499, "the client closed the connection");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WasiNnException nn) {
                int status = nn.errno() == NnErrno.INVALID_ARGUMENT ? 400 : 500;
                throw new HttpProblem(status, "inference failed: " + nn.getMessage());
            }
            if (cause instanceof OipException oip) {
                throw oip;
            }
            System.getLogger(DirectInference.class.getName()).log(System.Logger.Level.ERROR,
                    "inference on " + version + " failed", cause);
            throw new HttpProblem(500, "inference failed: internal error (details in the server log)", cause);
        }
    }

    /** Waits for a cancelled compute so its context is closed before the request ends. */
    private static void awaitQuietly(Future<?> task) {
        boolean interrupted = false;
        while (true) {
            try {
                task.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }


    @Override
    public void close() {
        computeThreads.shutdown();
    }
}
