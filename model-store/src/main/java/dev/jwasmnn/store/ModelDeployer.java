package dev.jwasmnn.store;

import dev.jwasmnn.store.config.ModelConfigLoader;
import dev.jwasmnn.store.config.ModelNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Lands an upload in the repository atomically and loads it. Files are written into a hidden
 * staging folder inside the repository (same file system), then a new version folder appears
 * with one rename and {@code config.yaml} is replaced with one atomic move, so neither the
 * store nor a {@code --watch} scan ever sees a half-written file. If the new version does not
 * load, the repository is put back as it was and the previous version keeps serving.
 *
 * <p>The upload is a zip with any of: {@code config.yaml}, {@code guest.wasm}, and one model file
 * {@code model.onnx} or {@code model.pt}. Nothing else is accepted.
 */
public final class ModelDeployer {
    private static final System.Logger LOG = System.getLogger(ModelDeployer.class.getName());
    private static final List<String> ENTRIES = List.of("config.yaml", "guest.wasm", "model.onnx", "model.pt");

    private final ModelStore store;
    private final Object lock = new Object();

    public ModelDeployer(ModelStore store) {
        this.store = store;
    }

    /** What a deploy did. */
    public record Deployed(ModelStatus status, long version, List<String> files) {}

    /** A deploy the caller got wrong (bad name, entries, version): nothing was changed. */
    public static final class DeployException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public DeployException(String message) {
            super(message);
        }
    }

    /**
     * Deploys the zip in {@code upload} as a new version of {@code model} (the next number when
     * {@code version} is empty) and loads it.
     *
     * @throws DeployException for a bad upload (nothing changed)
     * @throws ModelLoadException when the new version does not load (the repository is restored)
     */
    public Deployed deploy(String model, OptionalLong version, InputStream upload, long maxBytes) {
        ModelNames.check(model);
        ModelRepository repo = store.repository();
        synchronized (lock) {
            Path staging = repo.root().resolve(".staging-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
            try {
                Files.createDirectory(staging);
                Map<String, Path> files = unpack(upload, staging, maxBytes);
                return land(model, version, files, staging);
            } catch (IOException e) {
                throw new UncheckedIOException("deploy of " + model + " failed: " + e.getMessage(), e);
            } finally {
                deleteTree(staging);
            }
        }
    }

    private Deployed land(String model, OptionalLong wanted, Map<String, Path> files, Path staging) throws IOException {
        ModelRepository repo = store.repository();
        Path modelDir = repo.modelDir(model);
        boolean newModel = !Files.isDirectory(modelDir);
        Optional<Path> modelFile = files.entrySet().stream()
                .filter(e -> e.getKey().startsWith("model.")).map(Map.Entry::getValue).findFirst();
        // From folder names alone: a broken config.yaml on disk must not block the deploy that fixes it.
        long latest = newModel || repo.versionNumbers(model).isEmpty() ? 0 : repo.versionNumbers(model).last();
        if (files.isEmpty()) {
            throw new DeployException("the upload is empty: give a model file, a guest or a config");
        }
        if (modelFile.isEmpty() && latest == 0 && (files.containsKey("guest.wasm") || newModel)) {
            throw new DeployException("model '" + model + "' has no version yet: the first deploy needs a model file");
        }
        long version = wanted.orElse(latest + 1);
        if (version < 1 || version > ModelRepository.MAX_VERSION) {
            throw new DeployException("versions are whole numbers from 1 to " + ModelRepository.MAX_VERSION);
        }
        Path versionDir = modelDir.resolve(Long.toString(version));
        boolean newVersion = modelFile.isPresent() || files.containsKey("guest.wasm");
        if (newVersion && Files.exists(versionDir)) {
            throw new DeployException("model '" + model + "' already has version " + version
                    + "; deploy without --version to get " + (latest + 1));
        }
        // Stage the version folder completely before it becomes visible.
        if (newVersion) {
            Path stagedVersion = Files.createDirectory(staging.resolve("version"));
            if (modelFile.isPresent()) {
                String name = modelFile.get().getFileName().toString();
                Files.move(modelFile.get(), stagedVersion.resolve(name));
            } else {
                Path previousDir = modelDir.resolve(Long.toString(latest));
                Path previous = ModelRepository.MODEL_FILES.keySet().stream().map(previousDir::resolve)
                        .filter(Files::isRegularFile).findFirst()
                        .orElseThrow(() -> new DeployException("version " + latest + " has no model file to reuse;"
                                + " give --file"));
                Files.copy(previous, stagedVersion.resolve(previous.getFileName()));
            }
            if (files.containsKey("guest.wasm")) {
                Files.move(files.get("guest.wasm"), stagedVersion.resolve("guest.wasm"));
            }
        }
        Path config = modelDir.resolve(ModelConfigLoader.FILE_NAME);
        Path configBackup = null;
        Files.createDirectories(modelDir);
        try {
            if (files.containsKey("config.yaml")) {
                if (Files.exists(config)) {
                    configBackup = staging.resolve("config.yaml.previous");
                    Files.copy(config, configBackup);
                }
                atomicMove(files.get("config.yaml"), config);
            }
            if (newVersion) {
                atomicMove(staging.resolve("version"), versionDir);
            }
            ModelStatus status = store.load(model);
            if (newVersion && !status.versions().contains(version)) {
                throw new DeployException("version " + version + " is not one the model's version_policy serves"
                        + " (serving " + status.versions() + "); deploy without --version, or change the policy");
            }
            LOG.log(System.Logger.Level.INFO, "deployed model " + model + (newVersion ? " version " + version : " config"));
            return new Deployed(status, newVersion ? version : latest, List.copyOf(files.keySet()));
        } catch (RuntimeException | IOException e) {
            // Put the repository back as it was, so disk and what is served agree.
            if (newVersion) {
                deleteTree(versionDir);
            }
            if (files.containsKey("config.yaml")) {
                if (configBackup != null) {
                    atomicMove(configBackup, config);
                } else {
                    Files.deleteIfExists(config);
                }
            }
            if (newModel) {
                deleteTree(modelDir);
            }
            if (e instanceof DeployException && !newModel) {
                try {
                    store.load(model); // re-sync with the restored files (config.yaml may have changed)
                } catch (RuntimeException again) {
                    e.addSuppressed(again); // keep the reason the caller asked about
                }
            }
            throw e;
        }
    }

    private static Map<String, Path> unpack(InputStream upload, Path staging, long maxBytes) throws IOException {
        Map<String, Path> out = new java.util.TreeMap<>();
        long total = 0;
        try (ZipInputStream zip = new ZipInputStream(upload)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                String name = e.getName();
                if (e.isDirectory() || !ENTRIES.contains(name)) {
                    throw new DeployException("the upload may hold only " + ENTRIES + ", not '" + name + "'");
                }
                if (out.containsKey(name)) {
                    throw new DeployException("the upload holds '" + name + "' twice");
                }
                Path target = staging.resolve(name);
                try (var os = Files.newOutputStream(target)) {
                    byte[] buf = new byte[1 << 16];
                    for (int n; (n = zip.read(buf)) > 0; ) {
                        total += n;
                        if (total > maxBytes) {
                            throw new DeployException("the upload unpacks to more than " + maxBytes + " bytes");
                        }
                        os.write(buf, 0, n);
                    }
                }
                out.put(name, target);
            }
        } catch (java.util.zip.ZipException e) {
            throw new DeployException("the upload is not a valid zip: " + e.getMessage());
        }
        if (out.containsKey("model.onnx") && out.containsKey("model.pt")) {
            throw new DeployException("give one model file, not both model.onnx and model.pt");
        }
        for (Path p : out.values()) {
            try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true); // on disk before the rename makes it visible
            }
        }
        return out;
    }

    private static void atomicMove(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the repository's file system cannot rename atomically: " + e.getMessage(), e);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot delete " + p + ": " + e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete " + root + ": " + e.getMessage());
        }
    }
}
