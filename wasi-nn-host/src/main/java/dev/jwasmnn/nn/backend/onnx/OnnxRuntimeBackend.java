package dev.jwasmnn.nn.backend.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import dev.jwasmnn.nn.ExecutionTarget;
import dev.jwasmnn.nn.GpuPolicy;
import dev.jwasmnn.nn.GraphEncoding;
import dev.jwasmnn.nn.NnErrno;
import dev.jwasmnn.nn.WasiNnException;
import dev.jwasmnn.nn.spi.Backend;
import dev.jwasmnn.nn.spi.DevicePlacement;
import dev.jwasmnn.nn.spi.GpuProbe;
import dev.jwasmnn.nn.spi.Graph;
import dev.jwasmnn.nn.spi.ResourceCounter;
import dev.jwasmnn.nn.spi.SingleModel;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

/**
 * ONNX Runtime: one {@link OrtSession} per graph, on the CPU execution provider or, in the GPU
 * flavour of the build, on CUDA (optionally TensorRT first).
 */
final class OnnxRuntimeBackend implements Backend {
    private final OrtEnvironment env;
    private final OnnxRuntimeOptions options;
    private final DevicePlacement placement = new DevicePlacement("ONNX Runtime", this::probeGpu);
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
    public Graph load(List<byte[]> builders, GraphEncoding encoding, ExecutionTarget target, GpuPolicy gpuPolicy) {
        checkEncoding(encoding);
        byte[] model = SingleModel.bytes(builders, "ONNX");
        String source = "guest-supplied model (" + model.length + " bytes)";
        String device = placement.deviceFor(target, gpuPolicy, source);
        return open(target, device, source, opts -> env.createSession(model, opts));
    }

    @Override
    public Graph loadFiles(List<Path> files, GraphEncoding encoding, ExecutionTarget target, GpuPolicy gpuPolicy) {
        checkEncoding(encoding);
        Path file = SingleModel.file(files, "ONNX");
        String device = placement.deviceFor(target, gpuPolicy, file.toString());
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
            if (!device.equals(DevicePlacement.CPU)) {
                // Providers are tried in the order added; nodes they cannot run fall to the CPU.
                if (options.tensorRt()) {
                    opts.addTensorrt(options.cudaDevice());
                }
                opts.addCUDA(options.cudaDevice());
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

    /**
     * The CUDA provider must be in this build, a device node must exist, and the provider must
     * start (it needs CUDA 12 and cuDNN 9: without them it fails after a few seconds naming the
     * missing library, which is why this runs once).
     */
    private GpuProbe probeGpu() {
        if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            return GpuProbe.unavailable("this build carries only ONNX Runtime's CPU execution provider"
                    + " (the GPU flavour is built with -Pgpu)");
        }
        int id = options.cudaDevice();
        if (!DevicePlacement.nvidiaDevicePresent(id)) {
            return GpuProbe.unavailable("no NVIDIA GPU " + id + " (no /dev/nvidia" + id + ")");
        }
        try (OrtSession.SessionOptions probe = new OrtSession.SessionOptions()) {
            if (options.tensorRt()) {
                probe.addTensorrt(id);
            }
            probe.addCUDA(id);
        } catch (OrtException | RuntimeException | LinkageError e) {
            return GpuProbe.unavailable("ONNX Runtime's CUDA execution provider did not start: " + e.getMessage());
        }
        return GpuProbe.usable("cuda:" + id);
    }

    @Override
    public GpuProbe gpu() {
        return placement.gpu();
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
