package dev.jwasmnn.nn.spi;

import dev.jwasmnn.nn.ExecutionTarget;
import dev.jwasmnn.nn.GpuPolicy;
import dev.jwasmnn.nn.NnErrno;
import dev.jwasmnn.nn.WasiNnException;
import java.util.function.Supplier;

/**
 * Turns an execution target into the device a backend loads a graph on, the same way for every
 * backend: {@code cpu} is the CPU; {@code gpu} is the GPU, or under {@link GpuPolicy#FALLBACK}
 * the CPU with a warning, or under {@link GpuPolicy#FAIL} a {@code runtime_error} naming what is
 * missing; {@code auto} is the GPU when one works, else the CPU. The GPU is probed on first need
 * and the answer kept. Thread-safe.
 */
public final class DevicePlacement {
    private static final System.Logger LOG = System.getLogger(DevicePlacement.class.getName());
    public static final String CPU = "cpu";

    private final String backend;
    private final Supplier<GpuProbe> prober;
    private volatile GpuProbe probe;

    /** @param prober called at most once, the first time a graph asks for gpu or auto */
    public DevicePlacement(String backend, Supplier<GpuProbe> prober) {
        this.backend = backend;
        this.prober = prober;
    }

    /** The cached probe, probing now if no graph has asked yet. */
    public GpuProbe gpu() {
        GpuProbe p = probe;
        if (p == null) {
            synchronized (this) {
                p = probe;
                if (p == null) {
                    long start = System.nanoTime();
                    try {
                        p = prober.get();
                    } catch (RuntimeException | LinkageError e) {
                        p = GpuProbe.unavailable("probing the GPU failed: " + e);
                    }
                    probe = p;
                    LOG.log(System.Logger.Level.INFO, backend + ": GPU " + (p.usable() ? "usable as " + p.device()
                            : "not usable: " + p.missing()) + " (probed in "
                            + (System.nanoTime() - start) / 1_000_000 + " ms)");
                }
            }
        }
        return p;
    }

    /** True when the NVIDIA driver exposes GPU {@code index} (its device node exists). */
    public static boolean nvidiaDevicePresent(int index) {
        return java.nio.file.Files.exists(java.nio.file.Path.of("/dev/nvidia" + index));
    }

    /**
     * The device for {@code target}.
     *
     * @param what names the graph in log lines
     * @throws WasiNnException runtime_error for gpu under FAIL with no usable GPU; unsupported_operation for TPU
     */
    public String deviceFor(ExecutionTarget target, GpuPolicy policy, String what) {
        return switch (target) {
            case CPU -> CPU;
            case AUTO -> gpu().usable() ? gpu().device() : CPU;
            case TPU -> throw WasiNnException.unsupported("%s has no TPU support", backend);
            case GPU -> {
                GpuProbe gpu = gpu();
                if (gpu.usable()) {
                    yield gpu.device();
                }
                String reason = "execution target GPU was requested for " + what + ", but " + backend
                        + " has no usable GPU: " + gpu.missing();
                if (policy == GpuPolicy.FALLBACK) {
                    LOG.log(System.Logger.Level.WARNING, reason + "; running on the CPU (gpu_policy fallback)");
                    yield CPU;
                }
                LOG.log(System.Logger.Level.ERROR, reason + " (gpu_policy fail)");
                throw new WasiNnException(NnErrno.RUNTIME_ERROR, reason);
            }
        };
    }
}
