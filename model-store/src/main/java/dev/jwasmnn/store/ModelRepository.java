package dev.jwasmnn.store;

import dev.jwasmnn.nn.GraphEncoding;
import dev.jwasmnn.store.config.ConfigException;
import dev.jwasmnn.store.config.GuestConfig;
import dev.jwasmnn.store.config.ModelConfig;
import dev.jwasmnn.store.config.ModelConfigLoader;
import dev.jwasmnn.store.config.ModelNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The model repository on disk: {@code <repo>/<model>/[config.yaml]} and numbered version
 * folders {@code <repo>/<model>/<n>/model.onnx | model.pt}, with an optional guest. Reading only;
 * every path it hands out is checked to lie inside the repository.
 */
public final class ModelRepository {
    /** Model file names and the encodings they imply. */
    public static final Map<String, GraphEncoding> MODEL_FILES =
            Map.of("model.onnx", GraphEncoding.ONNX, "model.pt", GraphEncoding.PYTORCH);

    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");

    private final Path root;

    public ModelRepository(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("model repository " + root + " is not a directory");
        }
        try {
            this.root = root.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve model repository " + root, e);
        }
    }

    public Path root() {
        return root;
    }

    /** Model folders with valid names, sorted; other entries are ignored (hidden files, staging dirs). */
    public List<String> modelNames() {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(root)) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (ModelNames.isValid(name) && Files.isDirectory(p)) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list model repository " + root, e);
        }
        names.sort(null);
        return names;
    }

    public boolean contains(String model) {
        return ModelNames.isValid(model) && Files.isDirectory(root.resolve(model));
    }

    /** The model's folder; the name is checked first so nothing outside the repository is reachable. */
    public Path modelDir(String model) {
        ModelNames.check(model);
        return root.resolve(model);
    }

    /** Reads the model's config (defaults when it has none). */
    public ModelConfig config(String model) {
        return ModelConfigLoader.load(modelDir(model));
    }

    /** The numbers of the version folders of {@code model}, whatever they hold; no config needed. */
    public java.util.NavigableSet<Long> versionNumbers(String model) {
        TreeSet<Long> out = new TreeSet<>();
        Path dir = modelDir(model);
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (VERSION.matcher(name).matches() && Files.isDirectory(p)) {
                    out.add(Long.parseLong(name));
                }
            }
        } catch (IOException e) {
            throw new ModelLoadException(model, "cannot list " + dir + ": " + e.getMessage());
        }
        return out;
    }

    /** The largest version number a folder may have. */
    public static final long MAX_VERSION = 999_999_999_999_999_999L;

    /** Every complete version folder of {@code model}, ascending. */
    public NavigableMap<Long, VersionFiles> versions(String model, ModelConfig config) {
        Path dir = modelDir(model);
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException(model, "no folder " + model + " in the model repository " + root);
        }
        TreeMap<Long, VersionFiles> out = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (VERSION.matcher(name).matches() && Files.isDirectory(p)) {
                    long v = Long.parseLong(name);
                    versionFiles(model, v, p, config).ifPresent(f -> out.put(v, f));
                }
            }
        } catch (IOException e) {
            throw new ModelLoadException(model, "cannot list " + dir + ": " + e.getMessage());
        }
        return out;
    }

    /** The versions the config's policy selects; an error when none remains. */
    public List<VersionFiles> selectedVersions(String model, ModelConfig config) {
        NavigableMap<Long, VersionFiles> all = versions(model, config);
        if (all.isEmpty()) {
            throw new ModelLoadException(model, "no version folder with a model file: expected "
                    + modelDir(model) + "/<n>/model.onnx or model.pt");
        }
        TreeSet<Long> chosen = new TreeSet<>(config.versionPolicy().select(new TreeSet<>(all.keySet())));
        if (chosen.isEmpty()) {
            throw new ModelLoadException(model, "version_policy " + config.versionPolicy()
                    + " selects none of the versions present " + all.keySet());
        }
        List<VersionFiles> out = new ArrayList<>();
        for (Long v : chosen) {
            VersionFiles files = all.get(v);
            if (config.guest().isPresent() && files.guest().isEmpty()) {
                // Only versions that will serve need their guest; older ones may predate it.
                String module = config.guest().get().module();
                throw new ModelLoadException(model, "version " + v + ": the config has a guest section but there is no "
                        + (module.equals(GuestConfig.DEFAULT_MODULE) ? GuestConfig.DEFAULT_MODULE + " in "
                                + modelDir(model) + " or " + files.directory() : "guest module " + module + " in " + modelDir(model)));
            }
            out.add(files);
        }
        return out;
    }

    /** Empty while a version folder has no model file yet (being written). */
    private Optional<VersionFiles> versionFiles(String model, long version, Path dir, ModelConfig config) {
        Path modelFile = null;
        GraphEncoding encoding = null;
        for (var e : MODEL_FILES.entrySet()) {
            Path p = dir.resolve(e.getKey());
            if (Files.isRegularFile(p)) {
                if (modelFile != null) {
                    throw new ModelLoadException(model, "version " + version + " has both " + modelFile.getFileName()
                            + " and " + p.getFileName() + "; keep one");
                }
                modelFile = inside(model, p);
                encoding = e.getValue();
            }
        }
        if (modelFile == null) {
            return Optional.empty();
        }
        if (config.encoding().isPresent() && config.encoding().get() != encoding) {
            throw new ConfigException(modelDir(model).resolve(ModelConfigLoader.FILE_NAME) + ": key 'backend': "
                    + config.encoding().get().displayName() + " does not load " + modelFile.getFileName());
        }
        return Optional.of(new VersionFiles(version, dir, modelFile, encoding, guestFile(model, dir, config)));
    }

    private Optional<Path> guestFile(String model, Path versionDir, ModelConfig config) {
        Path own = versionDir.resolve(GuestConfig.DEFAULT_MODULE);
        if (Files.isRegularFile(own)) {
            return Optional.of(inside(model, own));
        }
        String configured = config.guest().map(GuestConfig::module).orElse(GuestConfig.DEFAULT_MODULE);
        Path shared = modelDir(model).resolve(configured);
        if (Files.isRegularFile(shared)) {
            return Optional.of(inside(model, shared));
        }
        return Optional.empty();
    }

    /** The real path of {@code p}, refusing anything (a symlink, say) that leads out of the repository. */
    private Path inside(String model, Path p) {
        try {
            Path real = p.toRealPath();
            if (!real.startsWith(root)) {
                throw new ModelLoadException(model, p + " leads outside the model repository (to " + real + ")");
            }
            return real;
        } catch (IOException e) {
            throw new ModelLoadException(model, "cannot read " + p + ": " + e.getMessage());
        }
    }
}
