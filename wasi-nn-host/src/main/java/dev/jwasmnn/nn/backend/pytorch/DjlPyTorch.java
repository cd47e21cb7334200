package dev.jwasmnn.nn.backend.pytorch;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Starts DJL's PyTorch engine once per JVM, offline. DJL takes its settings from system
 * properties read at engine start, so they are set here, just before.
 */
final class DjlPyTorch {
    private static Engine engine;

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
        Engine e = Engine.getEngine("PyTorch");
        // In case the engine was started before us with other counts; intra-op can change at any time.
        JniUtils.setNumThreads(options.intraOpThreads());
        engine = e;
        return e;
    }
}
