package dev.jwasmnn.nn.backend.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.jwasmnn.nn.ExecutionTarget;
import dev.jwasmnn.nn.GraphEncoding;
import dev.jwasmnn.nn.NnErrno;
import dev.jwasmnn.nn.WasiNnException;
import dev.jwasmnn.nn.spi.Backend;
import dev.jwasmnn.nn.spi.Graph;
import dev.jwasmnn.nn.spi.ResourceCounter;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

/** ONNX Runtime on the CPU execution provider. One {@link OrtSession} per graph. */
final class OnnxRuntimeBackend implements Backend {
    private final OrtEnvironment env;
    private final OnnxRuntimeOptions options;
    private final ResourceCounter graphs = new ResourceCounter();
    private final ResourceCounter contexts = new ResourceCounter();

    OnnxRuntimeBackend(OnnxRuntimeOptions options) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            // Guest tensors are little-endian and are handed to ORT without byte swapping.
            throw new IllegalStateException("the ONNX Runtime backend needs a little-endian platform");
        }
        this.options = options;
        this.env = OrtEnvironments.get(options);
    }

    @Override
    public String name() {
        return OnnxRuntimeBackendProvider.NAME;
    }

    @Override
    public Graph load(List<byte[]> builders, GraphEncoding encoding, ExecutionTarget target) {
        checkEncoding(encoding);
        if (builders.size() != 1) {
            throw WasiNnException.invalidArgument(
                    "ONNX takes exactly one graph builder (the model bytes), got %d", builders.size());
        }
        byte[] model = builders.get(0);
        if (model.length == 0) {
            throw WasiNnException.invalidArgument("the ONNX model bytes are empty");
        }
        String device = resolveDevice(target);
        return open(target, device, "guest-supplied model (" + model.length + " bytes)", opts -> env.createSession(model, opts));
    }

    @Override
    public Graph loadFiles(List<Path> files, GraphEncoding encoding, ExecutionTarget target) {
        checkEncoding(encoding);
        if (files.size() != 1) {
            throw WasiNnException.invalidArgument("ONNX takes exactly one model file, got %d", files.size());
        }
        Path file = files.get(0);
        String device = resolveDevice(target);
        // By path, so ONNX external-data files beside the model are found.
        return open(target, device, file.toString(), opts -> env.createSession(file.toString(), opts));
    }

    private interface SessionFactory {
        OrtSession create(OrtSession.SessionOptions options) throws OrtException;
    }

    private Graph open(ExecutionTarget target, String device, String source, SessionFactory factory) {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(options.optimizationLevel());
            if (OrtEnvironments.usesSharedThreadPool()) {
                opts.disablePerSessionThreads();
            } else {
                opts.setIntraOpNumThreads(options.intraOpThreads());
                opts.setInterOpNumThreads(options.interOpThreads());
                opts.addConfigEntry("session.intra_op.allow_spinning", options.allowSpinning() ? "1" : "0");
                opts.addConfigEntry("session.inter_op.allow_spinning", options.allowSpinning() ? "1" : "0");
            }
            OrtSession session = factory.create(opts);
            try {
                return new OnnxGraph(env, session, target, device, graphs, contexts);
            } catch (OrtException | RuntimeException e) {
                session.close();
                throw e;
            }
        } catch (OrtException e) {
            throw WasiNnException.runtimeError("ONNX Runtime could not load " + source + ": " + e.getMessage(), e);
        }
    }

    private static void checkEncoding(GraphEncoding encoding) {
        if (encoding != GraphEncoding.ONNX) {
            throw new WasiNnException(NnErrno.INVALID_ENCODING, "ONNX Runtime cannot load " + encoding.displayName());
        }
    }

    /** This build carries the CPU execution provider only. */
    private static String resolveDevice(ExecutionTarget target) {
        return switch (target) {
            case CPU, AUTO -> "cpu";
            case GPU -> throw new WasiNnException(
                    NnErrno.RUNTIME_ERROR,
                    "execution target GPU was requested, but this build of jwasm-nn has only ONNX Runtime's CPU"
                            + " execution provider");
            case TPU -> throw WasiNnException.unsupported("ONNX Runtime has no TPU execution provider");
        };
    }

    @Override
    public int openGraphs() {
        return graphs.open();
    }

    @Override
    public int openContexts() {
        return contexts.open();
    }

    @Override
    public void close() {
        // The OrtEnvironment is a JVM-wide singleton owned by ONNX Runtime; sessions are closed by their graphs.
    }
}
