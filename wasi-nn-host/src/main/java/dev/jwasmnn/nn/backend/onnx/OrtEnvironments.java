package dev.jwasmnn.nn.backend.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;

/**
 * The JVM's one {@link OrtEnvironment}, preferably created with a global thread pool that every
 * session shares. With a pool per session, each loaded model keeps its own intra-op threads, and
 * their idle spinning competes with the other models' work: on 2 cores, two alternating sessions
 * each ran MobileNetV2 at about half speed. A shared pool sized to the cores avoids that.
 *
 * <p>The pool can only be chosen when the environment is created; if other code in the process
 * created it first, sessions fall back to their own pools and the reason is logged once.
 */
public final class OrtEnvironments {
    private static final System.Logger LOG = System.getLogger(OrtEnvironments.class.getName());
    private static OrtEnvironment environment;
    private static boolean sharedPool;
    private static String poolSettings;

    private OrtEnvironments() {}

    /** The environment; the first call decides whether sessions share one thread pool. */
    static synchronized OrtEnvironment get(OnnxRuntimeOptions options) {
        if (environment != null) {
            if (sharedPool && !poolSettings.equals(describe(options))) {
                LOG.log(System.Logger.Level.INFO, "ONNX Runtime's shared thread pool was created with "
                        + poolSettings + "; ignoring " + describe(options));
            }
            return environment;
        }
        if (options.sharedThreadPool()) {
            try (OrtEnvironment.ThreadingOptions threading = new OrtEnvironment.ThreadingOptions()) {
                threading.setGlobalIntraOpNumThreads(options.intraOpThreads());
                threading.setGlobalInterOpNumThreads(options.interOpThreads());
                threading.setGlobalSpinControl(options.allowSpinning());
                environment = OrtEnvironment.getEnvironment(
                        OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "jwasm-nn", threading);
                sharedPool = true;
                poolSettings = describe(options);
                return environment;
            } catch (IllegalStateException e) {
                LOG.log(System.Logger.Level.WARNING, "an OrtEnvironment already exists in this JVM (created"
                        + " before jwasm-nn's backend), so each ONNX Runtime session gets its own thread pool");
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime threading options failed: " + e.getMessage(), e);
            }
        }
        environment = OrtEnvironment.getEnvironment();
        sharedPool = false;
        return environment;
    }

    /** True when sessions must run on the environment's shared thread pool. */
    public static synchronized boolean usesSharedThreadPool() {
        return sharedPool;
    }

    private static String describe(OnnxRuntimeOptions o) {
        return "intra_op_threads=" + o.intraOpThreads() + ", inter_op_threads=" + o.interOpThreads()
                + ", allow_spinning=" + o.allowSpinning();
    }
}
