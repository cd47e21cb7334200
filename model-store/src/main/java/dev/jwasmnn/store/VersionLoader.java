package dev.jwasmnn.store;

import dev.jwasmnn.guest.GuestModule;
import dev.jwasmnn.guest.GuestModuleException;
import dev.jwasmnn.guest.GuestRunner;
import dev.jwasmnn.nn.ExecutionTarget;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorSpec;
import dev.jwasmnn.nn.WasiNnException;
import dev.jwasmnn.nn.registry.Backends;
import dev.jwasmnn.nn.registry.SharedGraph;
import dev.jwasmnn.nn.spi.ExecutionContext;
import dev.jwasmnn.nn.spi.Graph;
import dev.jwasmnn.store.config.GpuPolicy;
import dev.jwasmnn.store.config.ModelConfig;
import dev.jwasmnn.store.config.TensorMetadata;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Loads one version: native graph (with the GPU policy), checks the config's declared inputs and
 * outputs against the model, compiles the guest, runs the warm-up. Only a version that passed
 * every step is handed out; on failure everything it opened is closed again.
 */
final class VersionLoader {
    private static final System.Logger LOG = System.getLogger(VersionLoader.class.getName());

    private final Backends backends;
    private final GuestRunner runner;

    VersionLoader(Backends backends, GuestRunner runner) {
        this.backends = backends;
        this.runner = runner;
    }

    ModelVersion load(String model, VersionFiles files, ModelConfig config) {
        long start = System.nanoTime();
        String where = "version " + files.version();
        String[] warning = {""};
        Graph graph = openGraph(model, files, config, warning);
        SharedGraph shared = SharedGraph.own(model + "@" + files.version(), graph);
        try {
            check(model, where, "inputs", config.inputs(), graph.inputs());
            check(model, where, "outputs", config.outputs(), graph.outputs());
            GuestModule guest = null;
            if (files.guest().isPresent()) {
                try {
                    guest = runner.compile(files.guest().get());
                } catch (GuestModuleException e) {
                    throw new ModelLoadException(model, where + ": guest " + files.guest().get().getFileName()
                            + " cannot be used: " + e.getMessage(), e);
                }
            }
            if (config.warmup()) {
                warmUp(model, where, graph);
            }
            return new ModelVersion(model, files, config, shared, guest,
                    Duration.ofNanos(System.nanoTime() - start), warning[0]);
        } catch (RuntimeException | Error e) {
            shared.release();
            throw e;
        }
    }

    private Graph openGraph(String model, VersionFiles files, ModelConfig config, String[] warning) {
        ExecutionTarget target = config.target();
        try {
            return backends.forEncoding(files.encoding()).loadFiles(List.of(files.model()), files.encoding(), target);
        } catch (WasiNnException e) {
            if (target != ExecutionTarget.CPU && config.gpuPolicy() == GpuPolicy.FALLBACK) {
                warning[0] = "asked for " + target.name().toLowerCase() + " but: " + e.getMessage() + "; running on cpu";
                LOG.log(System.Logger.Level.WARNING, "model " + model + " version " + files.version() + ": " + warning[0]);
                try {
                    return backends.forEncoding(files.encoding())
                            .loadFiles(List.of(files.model()), files.encoding(), ExecutionTarget.CPU);
                } catch (WasiNnException again) {
                    throw new ModelLoadException(model, "version " + files.version() + ": " + again.getMessage(), again);
                }
            }
            throw new ModelLoadException(model, "version " + files.version() + ": " + files.model().getFileName()
                    + " did not load: " + e.getMessage(), e);
        }
    }

    /** The config may declare metadata; if it does, it must describe this model. */
    private static void check(String model, String where, String what, List<TensorMetadata> declared,
            List<TensorSpec> actual) {
        if (declared.isEmpty()) {
            return;
        }
        if (declared.size() != actual.size()) {
            throw new ModelLoadException(model, where + ": config declares " + declared.size() + " " + what
                    + " but the model has " + actual.size() + " " + actual);
        }
        for (int i = 0; i < declared.size(); i++) {
            TensorMetadata d = declared.get(i);
            TensorSpec a = actual.get(i);
            String actualType = a.type() == null ? a.nativeType() : Datatypes.name(a.type());
            boolean shapeOk = d.shape().length == a.shape().length;
            for (int k = 0; shapeOk && k < d.shape().length; k++) {
                long dd = d.shape()[k];
                long ad = a.shape()[k];
                // A config may pin a dynamic dimension, never change a fixed one.
                shapeOk = ad < 0 || dd == ad;
            }
            if (!d.name().equals(a.name()) || !d.datatype().equals(actualType) || !shapeOk) {
                throw new ModelLoadException(model, where + ": config " + what + "[" + i + "] is " + d
                        + " but the model's is " + a.name() + ":" + actualType + Arrays.toString(a.shape()));
            }
        }
    }

    /** One inference on zeros (dynamic dimensions as 1), so the first request pays no lazy init. */
    private static void warmUp(String model, String where, Graph graph) {
        if (graph.inputs().stream().anyMatch(s -> !s.isSupported())) {
            LOG.log(System.Logger.Level.INFO, "model " + model + " " + where + ": warm-up skipped (input types)");
            return;
        }
        try (ExecutionContext ctx = graph.newContext()) {
            for (int i = 0; i < graph.inputs().size(); i++) {
                TensorSpec spec = graph.inputs().get(i);
                long[] dims = spec.shape();
                for (int k = 0; k < dims.length; k++) {
                    dims[k] = dims[k] < 0 ? 1 : dims[k];
                }
                long bytes = Tensor.byteLength(spec.type(), dims);
                if (bytes > (256L << 20)) {
                    LOG.log(System.Logger.Level.INFO, "model " + model + " " + where + ": warm-up skipped (input too large)");
                    return;
                }
                ctx.setInput(i, Tensor.of(spec.type(), dims, ByteBuffer.allocate((int) bytes)));
            }
            ctx.compute();
        } catch (WasiNnException e) {
            throw new ModelLoadException(model, where + ": warm-up inference on zeros failed: " + e.getMessage()
                    + " (set 'warmup: false' in config.yaml if the model cannot run on zeros)", e);
        }
    }
}
