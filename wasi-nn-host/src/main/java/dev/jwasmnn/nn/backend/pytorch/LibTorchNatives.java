package dev.jwasmnn.nn.backend.pytorch;

import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * libtorch unpacked into a directory of our own, for the two cases DJL's own unpacking gets
 * wrong: a CUDA build on a machine without a GPU (DJL then wants a CPU build and, offline, fails),
 * and container images, which unpack once at build time ({@link #main}) instead of at every start.
 * DJL then loads the directory as an override library ({@code PYTORCH_LIBRARY_PATH}).
 */
final class LibTorchNatives {
    /** What the pytorch-native jars describe themselves with. */
    static final String BUNDLE_PROPERTIES = "native/lib/pytorch.properties";
    /** Written last into an unpacked directory: its presence means the unpack completed. */
    static final String UNPACKED_PROPERTIES = "libtorch.properties";
    /** Needs the NVIDIA driver (libcuda.so.1) just to load; libtorch opens it lazily anyway. */
    private static final String DRIVER_BOUND_LIBRARY = "libcaffe2_nvrtc.so";

    /** One libtorch build: DJL's version, flavour (cpu, cu124 ...), platform and file list. */
    record Build(String version, String flavor, String classifier, List<String> libraries) {
        String directoryName() {
            return version + "-" + flavor + "-" + classifier;
        }

        boolean cuda() {
            return flavor.startsWith("cu");
        }

        static Build from(Properties p, String where) {
            String version = p.getProperty("version");
            String flavor = p.getProperty("flavor");
            String classifier = p.getProperty("classifier");
            String libraries = p.getProperty("libraries", "");
            if (version == null || flavor == null || classifier == null || libraries.isBlank()) {
                throw new IllegalStateException(where + " lacks version, flavor, classifier or libraries");
            }
            return new Build(version, flavor, classifier, Arrays.stream(libraries.split(",")).map(String::strip).toList());
        }

        Properties toProperties() {
            Properties p = new Properties();
            p.setProperty("version", version);
            p.setProperty("flavor", flavor);
            p.setProperty("classifier", classifier);
            p.setProperty("libraries", String.join(",", libraries));
            return p;
        }
    }

    private LibTorchNatives() {}

    /** The build a pytorch-native jar on the class path carries, if there is one. */
    static Optional<Build> bundled() {
        try (InputStream in = LibTorchNatives.class.getClassLoader().getResourceAsStream(BUNDLE_PROPERTIES)) {
            if (in == null) {
                return Optional.empty();
            }
            Properties p = new Properties();
            p.load(in);
            return Optional.of(Build.from(p, BUNDLE_PROPERTIES));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + BUNDLE_PROPERTIES, e);
        }
    }

    /** The build unpacked in {@code dir}, or empty when {@code dir} holds no complete unpack. */
    static Optional<Build> unpacked(Path dir) {
        Path marker = dir.resolve(UNPACKED_PROPERTIES);
        if (!Files.isRegularFile(marker)) {
            return Optional.empty();
        }
        try (InputStream in = Files.newInputStream(marker)) {
            Properties p = new Properties();
            p.load(in);
            return Optional.of(Build.from(p, marker.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + marker, e);
        }
    }

    /**
     * The unpacked build a {@code pytorch.library_dir} setting names: the directory itself, or the
     * one unpack inside it (what {@link #main} was given).
     */
    static Path locate(Path setting) throws IOException {
        if (unpacked(setting).isPresent()) {
            return setting;
        }
        List<Path> inside = List.of();
        if (Files.isDirectory(setting)) {
            try (var list = Files.list(setting)) {
                inside = list.filter(d -> unpacked(d).isPresent()).toList();
            }
        }
        if (inside.size() != 1) {
            throw new IOException("pytorch.library_dir " + setting + " holds " + (inside.isEmpty() ? "no" : "more than one")
                    + " unpacked libtorch (make one with: java -cp 'lib/*' " + LibTorchNatives.class.getName() + " DIR)");
        }
        return inside.get(0);
    }

    /**
     * Unpacks the bundled build into {@code root/<version>-<flavor>-<classifier>}, unless a complete
     * unpack is already there; concurrent unpackers each write a temporary directory, one wins.
     */
    static Path unpack(Build build, Path root) throws IOException {
        Path dir = root.resolve(build.directoryName());
        if (unpacked(dir).isPresent()) {
            return dir;
        }
        Files.createDirectories(root);
        Path tmp = readableByAll(Files.createTempDirectory(root, build.directoryName() + ".tmp"));
        try {
            for (String library : build.libraries()) {
                try (InputStream in = libraryResource(build, library)) {
                    Files.copy(in, tmp.resolve(library));
                }
            }
            try (OutputStream out = Files.newOutputStream(tmp.resolve(UNPACKED_PROPERTIES))) {
                build.toProperties().store(out, "unpacked by jwasm-nn from the pytorch-native jar");
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException e) {
                // Lost a race: rename(2) onto a non-empty directory fails (ENOTEMPTY / EEXIST).
                if (unpacked(dir).isEmpty()) {
                    throw e;
                }
                // Another process finished first; its copy is as good as ours.
            }
            return dir;
        } finally {
            deleteTree(tmp);
        }
    }

    private static InputStream libraryResource(Build build, String library) throws IOException {
        ClassLoader loader = LibTorchNatives.class.getClassLoader();
        // DJL's jars keep the files under pytorch/<flavor>/<classifier>/ (older ones: native/lib/).
        for (String path : List.of("pytorch/" + build.flavor() + "/" + build.classifier() + "/" + library,
                "native/lib/" + library)) {
            InputStream in = loader.getResourceAsStream(path);
            if (in != null) {
                return in;
            }
        }
        throw new IOException("the pytorch-native jar lists " + library + " but does not contain it");
    }

    /**
     * The directory DJL should load from. Without the NVIDIA driver, a CUDA build's
     * {@value #DRIVER_BOUND_LIBRARY} cannot load, and DJL loads every file it finds; so that case gets
     * a directory of links to everything else (libtorch then runs on the CPU): next to {@code dir}
     * when {@link #main} made it there, else made under {@code scratch}.
     */
    static Path loadable(Path dir, Build build, Path scratch) throws IOException {
        if (!build.cuda() || driverPresent() || !Files.exists(dir.resolve(DRIVER_BOUND_LIBRARY))) {
            return dir;
        }
        Path beside = withoutDriverName(dir);
        if (Files.isDirectory(beside)) {
            return beside;
        }
        return linkWithoutDriver(dir, scratch.resolve(beside.getFileName()));
    }

    private static Path withoutDriverName(Path dir) {
        return dir.resolveSibling(dir.getFileName() + "-without-driver");
    }

    private static Path linkWithoutDriver(Path dir, Path linked) throws IOException {
        if (Files.isDirectory(linked)) {
            return linked;
        }
        Files.createDirectories(linked.getParent());
        Path tmp = readableByAll(Files.createTempDirectory(linked.getParent(), linked.getFileName() + ".tmp"));
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                // Without the marker this is no unpack of its own, and relative links survive
                // being copied into an image along with what they point at.
                if (!name.equals(DRIVER_BOUND_LIBRARY) && !name.equals(UNPACKED_PROPERTIES)) {
                    Files.createSymbolicLink(tmp.resolve(name), tmp.toAbsolutePath().relativize(f.toAbsolutePath()));
                }
            }
            try {
                Files.move(tmp, linked, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException e) {
                if (!Files.isDirectory(linked)) {
                    throw e;
                }
            }
            return linked;
        } finally {
            deleteTree(tmp);
        }
    }

    /** Temporary directories start private; an image unpacks as root and serves as another user. */
    private static Path readableByAll(Path dir) throws IOException {
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: its defaults apply.
        }
        return dir;
    }

    static boolean driverPresent() {
        try {
            NativeLibrary.getInstance("libcuda.so.1");
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * {@code java -cp 'lib/*' dev.jwasmnn.nn.backend.pytorch.LibTorchNatives DIR}: unpacks the
     * bundled libtorch into DIR (for container images; DIR is then the {@code pytorch.library_dir}
     * setting) and prints where.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: LibTorchNatives DIR   (unpacks the bundled libtorch into DIR/<version>-<flavor>-<platform>)");
            System.exit(2);
        }
        Build build = bundled().orElseThrow(() -> new IllegalStateException(
                "no pytorch-native jar on the class path (" + BUNDLE_PROPERTIES + " not found)"));
        Path dir = unpack(build, Path.of(args[0]));
        if (build.cuda() && Files.exists(dir.resolve(DRIVER_BOUND_LIBRARY))) {
            // Made now, because at run time this directory may well be read-only.
            linkWithoutDriver(dir, withoutDriverName(dir));
        }
        System.out.println(dir.toAbsolutePath());
    }
}
