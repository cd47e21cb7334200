package dev.jwasmnn.store.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.jwasmnn.nn.ExecutionTarget;
import dev.jwasmnn.nn.GpuPolicy;
import dev.jwasmnn.nn.GraphEncoding;
import dev.jwasmnn.util.Quantities;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reads {@code config.yaml} strictly: an unknown key, a value of the wrong kind or out of range
 * is a {@link ConfigException} that names the file, the key and what is allowed, because a
 * silently ignored typo in a serving config is a production incident later.
 */
public final class ModelConfigLoader {
    public static final String FILE_NAME = "config.yaml";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final int MAX_CONCURRENCY = 1024;
    private static final int MAX_QUEUE = 100_000;

    private ModelConfigLoader() {}

    /** The config in {@code modelDir}, or the defaults when the folder has none. */
    public static ModelConfig load(Path modelDir) {
        Path file = modelDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return ModelConfig.defaults();
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        return parse(bytes, file.toString());
    }

    /** Parses YAML (JSON is YAML too); {@code source} names the file in messages. */
    public static ModelConfig parse(byte[] yaml, String source) {
        ModelConfigFile raw;
        try {
            raw = bytesAreBlank(yaml) ? null : YAML.readValue(yaml, ModelConfigFile.class);
        } catch (UnrecognizedPropertyException e) {
            String allowed = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new ConfigException(source + ": unknown key '" + path(e) + "'; allowed here: " + allowed, e);
        } catch (InvalidFormatException e) {
            throw new ConfigException(source + ": key '" + path(e) + "': '" + e.getValue() + "' is not "
                    + kind(e.getTargetType()), e);
        } catch (MismatchedInputException e) {
            throw new ConfigException(source + ": key '" + path(e) + "': expected " + kind(e.getTargetType()), e);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"), e);
        } catch (IOException e) {
            throw new ConfigException(source + ": cannot read: " + e.getMessage(), e);
        }
        return raw == null ? ModelConfig.defaults() : new Resolver(source).resolve(raw);
    }

    private static boolean bytesAreBlank(byte[] b) {
        for (byte x : b) {
            if (!Character.isWhitespace(x)) {
                return false;
            }
        }
        return true;
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    private static String kind(Class<?> type) {
        if (type == null) {
            return "a different kind of value";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "a mapping (key: value lines)";
        }
        return "a " + type.getSimpleName();
    }

    /** Applies defaults and range checks; every message names the key. */
    private record Resolver(String source) {

        ModelConfig resolve(ModelConfigFile f) {
            ModelConfig d = ModelConfig.defaults();
            Optional<GraphEncoding> encoding = Optional.ofNullable(f.backend()).map(this::backend);
            ExecutionTarget target = f.target() == null ? d.target() : choice("target", f.target(),
                    Map.of("cpu", ExecutionTarget.CPU, "gpu", ExecutionTarget.GPU, "auto", ExecutionTarget.AUTO));
            Optional<GpuPolicy> gpuPolicy = f.gpuPolicy() == null ? d.gpuPolicy() : Optional.of(choice("gpu_policy",
                    f.gpuPolicy(), Map.of("fail", GpuPolicy.FAIL, "fallback", GpuPolicy.FALLBACK)));
            int concurrency = range("concurrency", f.concurrency(), d.concurrency(), 1, MAX_CONCURRENCY);
            if (f.inFlight() != null && f.inFlight() < concurrency) {
                fail("in_flight", f.inFlight() + " is below concurrency (" + concurrency
                        + "); requests in flight include the computing ones, so give at least " + concurrency);
            }
            return new ModelConfig(
                    encoding,
                    target,
                    gpuPolicy,
                    tensors("inputs", f.inputs()),
                    tensors("outputs", f.outputs()),
                    Optional.ofNullable(f.guest()).map(this::guest),
                    concurrency,
                    range("in_flight", f.inFlight(), ModelConfig.defaultInFlight(concurrency), 1,
                            ModelConfig.MAX_IN_FLIGHT),
                    range("max_queue", f.maxQueue(), d.maxQueue(), 0, MAX_QUEUE),
                    duration("deadline", f.deadline(), d.deadline()),
                    versionPolicy(f.versionPolicy(), d.versionPolicy()),
                    f.warmup() == null ? d.warmup() : f.warmup(),
                    warmupInputs(f),
                    duration("drain_timeout", f.drainTimeout(), d.drainTimeout()),
                    pipeline(f.pipeline()));
        }

        /** pre/post, each a single {name: options} map; the options are checked by the step itself. */
        private Optional<PipelineSpec> pipeline(Map<String, Object> raw) {
            if (raw == null) {
                return Optional.empty();
            }
            for (String key : raw.keySet()) {
                if (!key.equals("pre") && !key.equals("post")) {
                    fail("pipeline." + key, "one of [pre, post]");
                }
            }
            return Optional.of(new PipelineSpec(step("pipeline.pre", raw.get("pre")), step("pipeline.post", raw.get("post"))));
        }

        private Optional<PipelineSpec.Step> step(String key, Object raw) {
            if (raw == null) {
                return Optional.empty();
            }
            if (raw instanceof String name) {
                return Optional.of(new PipelineSpec.Step(name, Map.of()));
            }
            if (!(raw instanceof Map<?, ?> m) || m.size() != 1) {
                fail(key, "one step: a name, or {name: {option: value, ...}}");
            }
            Map.Entry<?, ?> e = ((Map<?, ?>) raw).entrySet().iterator().next();
            Object options = e.getValue();
            if (options != null && !(options instanceof Map<?, ?>)) {
                fail(key + "." + e.getKey(), "a map of options");
            }
            Map<String, Object> typed = new java.util.LinkedHashMap<>();
            if (options != null) {
                ((Map<?, ?>) options).forEach((k, v) -> {
                    if (v == null) {
                        fail(key + "." + e.getKey() + "." + k, "a value");
                    }
                    typed.put(String.valueOf(k), v);
                });
            }
            return Optional.of(new PipelineSpec.Step(String.valueOf(e.getKey()), typed));
        }

        private List<String> warmupInputs(ModelConfigFile f) {
            if (f.warmupInputs() == null) {
                return List.of();
            }
            if (Boolean.FALSE.equals(f.warmup())) {
                fail("warmup_inputs", "warmup is false, so these files would never be used");
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < f.warmupInputs().size(); i++) {
                String v = f.warmupInputs().get(i);
                if (v == null) {
                    fail("warmup_inputs[" + i + "]", "a file name is required");
                }
                out.add(relativeFile("warmup_inputs[" + i + "]", v));
            }
            return out;
        }

        private GraphEncoding backend(String value) {
            return choice("backend", value, Map.of(
                    "onnxruntime", GraphEncoding.ONNX, "onnx", GraphEncoding.ONNX,
                    "pytorch", GraphEncoding.PYTORCH, "torchscript", GraphEncoding.PYTORCH));
        }

        private GuestConfig guest(ModelConfigFile.GuestFile g) {
            GuestConfig d = GuestConfig.defaults();
            String module = g.module() == null ? d.module() : relativeFile("guest.module", g.module());
            Map<String, String> env = new LinkedHashMap<>();
            if (g.env() != null) {
                g.env().forEach((k, v) -> {
                    if (k.isEmpty() || k.contains("=") || k.indexOf('\0') >= 0) {
                        fail("guest.env", "'" + k + "' is not a valid environment variable name");
                    }
                    env.put(k, v == null ? "" : v);
                });
            }
            Set<String> grants = new HashSet<>();
            if (g.grants() != null) {
                for (String name : g.grants()) {
                    if (!ModelNames.isValid(name)) {
                        fail("guest.grants", "'" + name + "' is not a model name (" + ModelNames.RULE + ")");
                    }
                    grants.add(name);
                }
            }
            String contentType = g.contentType() == null ? d.contentType() : g.contentType().trim();
            if (contentType.isEmpty() || contentType.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
                fail("guest.content_type", "'" + g.contentType() + "' is not a media type");
            }
            return new GuestConfig(
                    module,
                    g.args() == null ? d.args() : g.args(),
                    env,
                    bytes("guest.memory", g.memory(), d.memoryBytes(), 64L << 10, 32767L * 65536),
                    bytes("guest.max_stdout", g.maxStdout(), d.maxStdoutBytes(), 0, 1L << 30),
                    bytes("guest.max_stderr", g.maxStderr(), d.maxStderrBytes(), 0, 64L << 20),
                    g.response() == null ? d.response() : choice("guest.response", g.response(),
                            Map.of("body", ResponseMode.BODY, "cgi", ResponseMode.CGI)),
                    contentType,
                    grants,
                    g.allowModelBytes() != null && g.allowModelBytes(),
                    g.allowCv() != null && g.allowCv());
        }

        private VersionPolicy versionPolicy(ModelConfigFile.VersionPolicyFile p, VersionPolicy fallback) {
            if (p == null) {
                return fallback;
            }
            int set = (p.latest() != null ? 1 : 0) + (p.all() != null ? 1 : 0) + (p.specific() != null ? 1 : 0);
            if (set != 1) {
                fail("version_policy", "give exactly one of latest: N, all: true, specific: [versions]");
            }
            if (p.latest() != null) {
                return new VersionPolicy.Latest(range("version_policy.latest", p.latest(), 1, 1, 1000));
            }
            if (p.all() != null) {
                if (!p.all()) {
                    fail("version_policy.all", "only 'all: true' means something; use latest or specific otherwise");
                }
                return new VersionPolicy.All();
            }
            if (p.specific().isEmpty()) {
                fail("version_policy.specific", "the list is empty");
            }
            for (Long v : p.specific()) {
                if (v == null || v < 1) {
                    fail("version_policy.specific", "versions are whole numbers from 1, got " + v);
                }
            }
            return new VersionPolicy.Specific(new ArrayList<>(new TreeSet<>(p.specific())));
        }

        private List<TensorMetadata> tensors(String key, List<ModelConfigFile.TensorFile> list) {
            if (list == null) {
                return List.of();
            }
            List<TensorMetadata> out = new ArrayList<>();
            Set<String> names = new HashSet<>();
            for (int i = 0; i < list.size(); i++) {
                ModelConfigFile.TensorFile t = list.get(i);
                String at = key + "[" + i + "]";
                if (t == null || t.name() == null || t.name().isEmpty()) {
                    fail(at + ".name", "every " + key.substring(0, key.length() - 1) + " needs a name");
                }
                if (!names.add(t.name())) {
                    fail(at + ".name", "'" + t.name() + "' appears twice");
                }
                if (t.datatype() == null || !TensorMetadata.DATATYPES.contains(t.datatype().toUpperCase(Locale.ROOT))) {
                    fail(at + ".datatype", "'" + t.datatype() + "' is not one of " + TensorMetadata.DATATYPES);
                }
                if (t.shape() == null) {
                    fail(at + ".shape", "a shape is required, e.g. [-1, 3, 224, 224]");
                }
                long[] shape = new long[t.shape().size()];
                for (int d = 0; d < shape.length; d++) {
                    Long v = t.shape().get(d);
                    if (v == null || v < -1) {
                        fail(at + ".shape", "dimensions are -1 (dynamic) or >= 0, got " + v);
                    }
                    shape[d] = v;
                }
                out.add(new TensorMetadata(t.name(), t.datatype(), shape));
            }
            return out;
        }

        private String relativeFile(String key, String value) {
            Path p = Path.of(value).normalize();
            if (value.isBlank() || p.isAbsolute() || p.startsWith("..") || p.toString().isEmpty()) {
                fail(key, "'" + value + "' must be a file name inside the model folder");
            }
            return p.toString();
        }

        private <T> T choice(String key, String value, Map<String, T> allowed) {
            T v = allowed.get(value.trim().toLowerCase(Locale.ROOT));
            if (v == null) {
                fail(key, "'" + value + "' is not one of " + new TreeSet<>(allowed.keySet()));
            }
            return v;
        }

        private int range(String key, Integer value, int fallback, int min, int max) {
            if (value == null) {
                return fallback;
            }
            if (value < min || value > max) {
                fail(key, value + " is out of range; allowed " + min + " to " + max);
            }
            return value;
        }

        private Duration duration(String key, String value, Duration fallback) {
            return parse(key, value, fallback, Quantities::parseDuration);
        }

        private long bytes(String key, String value, long fallback, long min, long max) {
            long v = parse(key, value, fallback, Quantities::parseBytes);
            if (v < min || v > max) {
                fail(key, value + " is out of range; allowed " + min + " to " + max + " bytes");
            }
            return v;
        }

        private <T> T parse(String key, String value, T fallback, Function<String, T> parser) {
            if (value == null) {
                return fallback;
            }
            try {
                return parser.apply(value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source + ": key '" + key + "': " + e.getMessage());
            }
        }

        private void fail(String key, String why) {
            throw new ConfigException(source + ": key '" + key + "': " + why);
        }
    }
}
