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
import dev.jwasmnn.store.config.ModelConfig;
import dev.jwasmnn.store.config.TensorMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
    private final VersionExtension extension;

    VersionLoader(Backends backends, GuestRunner runner, VersionExtension extension) {
        this.backends = backends;
        this.runner = runner;
        this.extension = extension;
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
            Object attachment;
            try {
                attachment = extension.prepare(model, config, files.directory().getParent());
            } catch (RuntimeException e) {
                throw new ModelLoadException(model, where + ": " + e.getMessage(), e);
            }
            List<TensorSpec> inputs = inputSpecs(config, graph);
            List<TensorSpec> outputs = graph.outputs().isEmpty() ? declared(config.outputs()) : graph.outputs();
            boolean untypedInputs = inputs.stream().anyMatch(TensorSpec::isAny);
            if (untypedInputs || outputs.isEmpty()) {
                // TorchScript keeps no types or shapes: without a description, clients that build
                // requests from the metadata (perf_analyzer, generic KServe clients) cannot.
                String what = untypedInputs && outputs.isEmpty() ? "inputs and outputs"
                        : untypedInputs ? "inputs" : "outputs";
                String undescribed = "its " + what + " are not described: declare them in config.yaml, or the V2"
                        + " metadata cannot describe them" + (untypedInputs
                                ? ", requests are not checked before the backend, and it is not warmed up" : "");
                warning[0] = warning[0].isEmpty() ? undescribed : warning[0] + "; " + undescribed;
                LOG.log(System.Logger.Level.WARNING, "model " + model + " " + where + ": " + undescribed);
            }
            if (config.warmup()) {
                warmUp(model, where, graph, inputs, warmupInputs(model, where, files, config, inputs));
            }
            return new ModelVersion(model, files, config, shared, guest,
                    Duration.ofNanos(System.nanoTime() - start), warning[0], inputs, outputs, attachment);
        } catch (RuntimeException | Error e) {
            shared.release();
            throw e;
        }
    }

    private Graph openGraph(String model, VersionFiles files, ModelConfig config, String[] warning) {
        ExecutionTarget target = config.target();
        try {
            Graph graph = backends.forEncoding(files.encoding()).loadFiles(List.of(files.model()), files.encoding(),
                    target, config.gpuPolicy().orElse(backends.gpuPolicy()));
            if (target == ExecutionTarget.GPU && graph.device().equals("cpu")) {
                warning[0] = "asked for gpu but: " + backends.forEncoding(files.encoding()).gpu().missing()
                        + "; running on cpu (gpu_policy fallback)";
            }
            LOG.log(System.Logger.Level.INFO, "model " + model + " version " + files.version() + ": "
                    + files.encoding().displayName() + " graph on " + graph.device());
            return graph;
        } catch (WasiNnException e) {
            throw new ModelLoadException(model, "version " + files.version() + ": " + files.model().getFileName()
                    + " did not load: " + e.getMessage(), e);
        }
    }

    /**
     * The model's input specs, or, for a model that declares no types or shapes (TorchScript),
     * the ones its config declares, so warm-up knows what to feed.
     */
    private static List<TensorSpec> inputSpecs(ModelConfig config, Graph graph) {
        List<TensorSpec> actual = graph.inputs();
        if (config.inputs().isEmpty() || !actual.stream().allMatch(TensorSpec::isAny)) {
            return actual;
        }
        return declared(config.inputs());
    }

    private static List<TensorSpec> declared(List<TensorMetadata> metadata) {
        return metadata.stream().map(d -> new TensorSpec(d.name(), typeOf(d.datatype()), d.datatype(), d.shape()))
                .toList();
    }

    private static dev.jwasmnn.nn.TensorType typeOf(String datatype) {
        for (dev.jwasmnn.nn.TensorType t : dev.jwasmnn.nn.TensorType.values()) {
            if (t.datatype().equals(datatype)) {
                return t;
            }
        }
        return null;
    }

    /** The config may declare metadata; if it does, it must describe this model. */
    private static void check(String model, String where, String what, List<TensorMetadata> declared,
            List<TensorSpec> actual) {
        if (declared.isEmpty()) {
            return;
        }
        if (actual.isEmpty() || actual.stream().allMatch(TensorSpec::isAny)) {
            // The model declares nothing to check against (TorchScript): the config is the description.
            if (declared.size() > actual.size() && !actual.isEmpty()) {
                throw new ModelLoadException(model, where + ": config declares " + declared.size() + " " + what
                        + " but the model takes at most " + actual.size());
            }
            return;
        }
        if (declared.size() != actual.size()) {
            throw new ModelLoadException(model, where + ": config declares " + declared.size() + " " + what
                    + " but the model has " + actual.size() + " " + actual);
        }
        for (int i = 0; i < declared.size(); i++) {
            TensorMetadata d = declared.get(i);
            TensorSpec a = actual.get(i);
            String actualType = a.type() == null ? a.nativeType() : a.type().datatype();
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

    /**
     * The configured warm-up tensors, read and shaped: each file's bytes for input i, with the
     * shape from the config's declared inputs or the model's, one dynamic dimension inferred
     * from the byte count. Null when none are configured (zeros then).
     */
    private static List<Tensor> warmupInputs(String model, String where, VersionFiles files, ModelConfig config,
            List<TensorSpec> specs) {
        List<String> names = config.warmupInputs();
        if (names.isEmpty()) {
            return null;
        }
        if (names.size() != specs.size()) {
            throw new ModelLoadException(model, where + ": warmup_inputs lists " + names.size()
                    + " file(s) but the model has " + specs.size() + " input(s)");
        }
        Path modelDir = files.directory().getParent();
        List<Tensor> out = new java.util.ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            TensorSpec spec = specs.get(i);
            if (spec.type() == null) {
                throw new ModelLoadException(model, where + ": input " + spec.name() + " has type "
                        + spec.nativeType() + ", which cannot be warmed up from a file"
                        + (spec.isAny() ? " (declare its datatype and shape under inputs: in config.yaml)" : ""));
            }
            Path file = modelDir.resolve(names.get(i)).normalize();
            byte[] bytes;
            try {
                Path real = file.toRealPath();
                if (!real.startsWith(modelDir.toRealPath())) {
                    throw new ModelLoadException(model, where + ": warm-up file " + file + " leads outside the model folder");
                }
                bytes = Files.readAllBytes(real);
            } catch (IOException e) {
                throw new ModelLoadException(model, where + ": cannot read warm-up file " + file + ": " + e);
            }
            long[] shape = i < config.inputs().size() ? config.inputs().get(i).shape() : spec.shape();
            try {
                out.add(Tensor.of(spec.type(), inferDynamic(model, where, spec, shape, bytes.length), bytes));
            } catch (WasiNnException e) {
                throw new ModelLoadException(model, where + ": warm-up file " + names.get(i) + " does not fit input "
                        + spec.name() + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static long[] inferDynamic(String model, String where, TensorSpec spec, long[] shape, long bytes) {
        long known = spec.type().byteSize();
        int dynamic = -1;
        for (int k = 0; k < shape.length; k++) {
            if (shape[k] < 0) {
                if (dynamic >= 0) {
                    throw new ModelLoadException(model, where + ": input " + spec.name() + " has shape "
                            + java.util.Arrays.toString(shape) + " with several dynamic dimensions; declare its"
                            + " warm-up shape under inputs: in config.yaml");
                }
                dynamic = k;
            } else {
                known *= shape[k];
            }
        }
        long[] out = shape.clone();
        if (dynamic >= 0) {
            if (known == 0 || bytes % known != 0) {
                throw new ModelLoadException(model, where + ": warm-up file for " + spec.name() + " has " + bytes
                        + " bytes, not a whole number of " + java.util.Arrays.toString(shape) + " tensors");
            }
            out[dynamic] = bytes / known;
        }
        return out;
    }

    /** One inference on the configured tensors, or on zeros when none are configured. */
    private static void warmUp(String model, String where, Graph graph, List<TensorSpec> specs, List<Tensor> given) {
        List<Tensor> inputs = given != null ? given : zeros(model, where, specs);
        if (inputs == null) {
            return;
        }
        try (ExecutionContext ctx = graph.newContext()) {
            for (int i = 0; i < inputs.size(); i++) {
                ctx.setInput(i, inputs.get(i));
            }
            ctx.compute();
        } catch (WasiNnException e) {
            throw new ModelLoadException(model, where + ": warm-up inference " + (given == null ? "on zeros" : "on warmup_inputs")
                    + " failed: " + e.getMessage()
                    + " (set 'warmup: false' in config.yaml if the model cannot run on zeros)", e);
        }
    }

    /** Zero tensors for every input, dynamic dimensions as 1; null (skip) when that cannot be done. */
    private static List<Tensor> zeros(String model, String where, List<TensorSpec> specs) {
        List<Tensor> out = new java.util.ArrayList<>();
        for (TensorSpec spec : specs) {
            if (spec.type() == null) {
                LOG.log(System.Logger.Level.INFO, "model " + model + " " + where + ": warm-up skipped ("
                        + (spec.isAny() ? "the model declares no input types or shapes; declare them under inputs:"
                                + " in config.yaml to warm it up" : "input types") + ")");
                return null;
            }
            long[] dims = spec.shape();
            for (int k = 0; k < dims.length; k++) {
                dims[k] = dims[k] < 0 ? 1 : dims[k];
            }
            long bytes = Tensor.byteLength(spec.type(), dims);
            if (bytes > (256L << 20)) {
                LOG.log(System.Logger.Level.INFO, "model " + model + " " + where + ": warm-up skipped (input too large)");
                return null;
            }
            out.add(Tensor.of(spec.type(), dims, ByteBuffer.allocate((int) bytes)));
        }
        return out;
    }
}
