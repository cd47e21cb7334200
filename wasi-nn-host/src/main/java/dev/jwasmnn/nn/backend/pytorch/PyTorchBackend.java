package dev.jwasmnn.nn.backend.pytorch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
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
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * PyTorch through DJL: TorchScript modules, one per graph, shared by all contexts (a scripted
 * module's forward is safe to call from several threads). libtorch comes from the bundled
 * native jar; DJL runs offline, so it never tries to download anything.
 */
final class PyTorchBackend implements Backend {
    private static final System.Logger LOG = System.getLogger(PyTorchBackend.class.getName());

    private final PyTorchOptions options;
    private final Engine engine;
    private final DevicePlacement placement = new DevicePlacement("PyTorch", this::probeGpu);
    private final ResourceCounter graphs = new ResourceCounter();
    private final ResourceCounter contexts = new ResourceCounter();

    PyTorchBackend(PyTorchOptions options) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("the PyTorch backend needs a little-endian platform");
        }
        this.options = options;
        this.engine = DjlPyTorch.start(options);
        LOG.log(System.Logger.Level.INFO, "PyTorch " + engine.getVersion() + " via DJL: "
                + JniUtils.getNumThreads() + " intra-op, " + JniUtils.getNumInteropThreads() + " inter-op threads");
    }

    @Override
    public String name() {
        return PyTorchBackendProvider.NAME;
    }

    @Override
    public Graph load(List<byte[]> builders, GraphEncoding encoding, ExecutionTarget target, GpuPolicy gpuPolicy) {
        checkEncoding(encoding);
        byte[] model = SingleModel.bytes(builders, "TorchScript");
        String source = "guest-supplied TorchScript (" + model.length + " bytes)";
        String device = placement.deviceFor(target, gpuPolicy, source);
        return open(target, device, source, TorchScriptSignature.read(model), manager -> JniUtils.loadModule(
                manager, new ByteArrayInputStream(model), true, false));
    }

    @Override
    public Graph loadFiles(List<Path> files, GraphEncoding encoding, ExecutionTarget target, GpuPolicy gpuPolicy) {
        checkEncoding(encoding);
        Path file = SingleModel.file(files, "TorchScript");
        if (!Files.isRegularFile(file)) {
            throw WasiNnException.invalidArgument("TorchScript file %s does not exist", file);
        }
        String device = placement.deviceFor(target, gpuPolicy, file.toString());
        return open(target, device, file.toString(), TorchScriptSignature.read(file), manager -> JniUtils.loadModule(
                manager, file.toAbsolutePath(), true, new String[0], new String[0], false));
    }

    private interface ModuleLoader {
        PtSymbolBlock load(PtNDManager manager) throws IOException;
    }

    private Graph open(ExecutionTarget target, String device, String source,
            Optional<TorchScriptSignature> signature, ModuleLoader loader) {
        Device djlDevice = device.equals(DevicePlacement.CPU) ? Device.cpu() : Device.gpu(options.cudaDevice());
        PtNDManager manager = (PtNDManager) engine.newBaseManager(djlDevice);
        try {
            PtSymbolBlock module = loader.load(manager);
            JniUtils.enableInferenceMode(module);
            return new PyTorchGraph(manager, module, signature, target, device, graphs, contexts);
        } catch (IOException | RuntimeException e) {
            manager.close();
            // libtorch reports a corrupt archive as an engine error; the guest gets an errno.
            throw new WasiNnException(NnErrno.RUNTIME_ERROR,
                    "PyTorch could not load " + source + ": " + PyTorchTypes.firstLine(e.getMessage()), e);
        }
    }

    private static void checkEncoding(GraphEncoding encoding) {
        if (encoding != GraphEncoding.PYTORCH) {
            throw new WasiNnException(NnErrno.INVALID_ENCODING, "the PyTorch backend cannot load " + encoding.displayName());
        }
    }

    /** libtorch counts CUDA devices itself; the CPU natives report none, at once. */
    private GpuProbe probeGpu() {
        int count = engine.getGpuCount();
        if (count == 0) {
            return GpuProbe.unavailable(DjlPyTorch.cudaBuild()
                    ? "libtorch (CUDA build) sees no CUDA device: no NVIDIA driver or device here"
                    : "libtorch sees no CUDA device (this build bundles the CPU-only libtorch; the GPU flavour "
                            + "is built with -Pgpu and needs an NVIDIA driver)");
        }
        if (options.cudaDevice() >= count) {
            return GpuProbe.unavailable("pytorch.cuda_device=" + options.cudaDevice() + " but libtorch sees "
                    + count + " CUDA device(s)");
        }
        return GpuProbe.usable("cuda:" + options.cudaDevice());
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
        // libtorch stays loaded for the JVM's life (native libraries cannot be unloaded); graphs close their modules.
    }
}
