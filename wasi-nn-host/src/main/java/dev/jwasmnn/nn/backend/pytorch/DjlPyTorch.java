package dev.jwasmnn.nn.backend.pytorch;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Platform;
import ai.djl.util.Utils;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Starts DJL's PyTorch engine once per JVM, offline. DJL takes its settings from system
 * properties read at engine start, so they are set here, just before.
 */
final class DjlPyTorch {
    private static final System.Logger LOG = System.getLogger(DjlPyTorch.class.getName());
    private static Engine engine;
    private static boolean cudaBuild;

    private DjlPyTorch() {}

    static synchronized Engine start(PyTorchOptions options) {
        if (engine != null) {
            return engine;
        }
        // Never download: libtorch comes from the bundled native jar, or the start fails.
        System.setProperty("ai.djl.offline", "true");
        // A pinned version would make DJL look for that build instead of the bundled one.
        System.clearProperty("PYTORCH_VERSION");
        options.cacheDir().ifPresent(dir -> System.setProperty("ENGINE_CACHE_DIR", dir.toAbsolutePath().toString()));
        System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(options.interOpThreads()));
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(options.intraOpThreads()));
        Optional<LibTorchNatives.Build> bundled = LibTorchNatives.bundled();
        Optional<OwnLibTorch> own = ownLibTorch(options, bundled);
        // DJL loads an override library from PYTORCH_LIBRARY_PATH (environment first, then this
        // property), and names the JNI glue it extracts by PYTORCH_FLAVOR, which it cannot tell then.
        own.ifPresent(o -> {
            System.setProperty("PYTORCH_LIBRARY_PATH", o.loadFrom().toString());
            System.setProperty("PYTORCH_FLAVOR", o.build().flavor());
        });
        cudaBuild = own.map(OwnLibTorch::build).or(() -> bundled).map(LibTorchNatives.Build::cuda).orElse(false);
        Engine e = Engine.getEngine("PyTorch");
        // In case the engine was started before us with other counts; intra-op can change at any time.
        JniUtils.setNumThreads(options.intraOpThreads());
        engine = e;
        return e;
    }

    /** Whether the libtorch the engine started with is a CUDA build (the -Pgpu flavour). */
    static synchronized boolean cudaBuild() {
        return cudaBuild;
    }

    private record OwnLibTorch(Path loadFrom, LibTorchNatives.Build build) {}

    /**
     * The directory of our own DJL should load libtorch from, if any: the configured one, or the
     * bundled CUDA build unpacked by us when DJL finds it does not match this machine (no GPU, or
     * a driver of another CUDA major): DJL would then want to download a build, and offline it
     * cannot. libtorch's CUDA build runs on the CPU too; the GPU policy decides whether it may.
     */
    private static Optional<OwnLibTorch> ownLibTorch(PyTorchOptions options, Optional<LibTorchNatives.Build> bundled) {
        try {
            Path dir;
            LibTorchNatives.Build build;
            if (options.libraryDir().isPresent()) {
                dir = LibTorchNatives.locate(options.libraryDir().get());
                build = LibTorchNatives.unpacked(dir).orElseThrow();
            } else if (bundled.isPresent() && bundled.get().cuda() && Platform.detectPlatform("pytorch").isPlaceholder()) {
                build = bundled.get();
                Path root = cacheRoot(options);
                LOG.log(System.Logger.Level.INFO, "PyTorch: the bundled libtorch is " + build.flavor()
                        + " and this machine has no matching CUDA; unpacking it into " + root + " to run it anyway");
                dir = LibTorchNatives.unpack(build, root);
            } else {
                return Optional.empty();
            }
            return Optional.of(new OwnLibTorch(LibTorchNatives.loadable(dir, build, cacheRoot(options)), build));
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare libtorch: " + e.getMessage(), e);
        }
    }

    private static Path cacheRoot(PyTorchOptions options) {
        return options.cacheDir().orElseGet(() -> Utils.getEngineCacheDir("pytorch"));
    }
}
