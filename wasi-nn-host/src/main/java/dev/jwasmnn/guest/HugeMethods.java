package dev.jwasmnn.guest;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether HotSpot JIT-compiles huge methods. By default it never compiles a method of more than
 * 8000 bytes of bytecode, and Chicory turns each Wasm function into one method: a large guest
 * function (Rust's LTO inlines a whole {@code main} into one) then runs in the bytecode
 * interpreter on every request. Measured on the tiny model's raw-infer guest: 204 µs p50 per
 * request over HTTP by default, 161 µs with {@code -XX:-DontCompileHugeMethods}, which the
 * launcher, the images and the benchmarks pass.
 */
final class HugeMethods {
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private HugeMethods() {}

    /** True when huge methods are compiled; also true on a JVM that does not say (not HotSpot). */
    static boolean compiled() {
        try {
            var diagnostics = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return diagnostics == null || "false".equals(diagnostics.getVMOption("DontCompileHugeMethods").getValue());
        } catch (RuntimeException | LinkageError e) {
            return true; // no such option or no management module (a trimmed runtime): nothing to say
        }
    }

    /** Logs once per process when large guest functions would run interpreted. */
    static void warnIfInterpreted(System.Logger log) {
        if (!compiled() && WARNED.compareAndSet(false, true)) {
            log.log(System.Logger.Level.WARNING, "this JVM never JIT-compiles methods over 8000 bytes of bytecode"
                    + " (HotSpot's default), so large guest functions run interpreted, several times slower;"
                    + " start it with -XX:-DontCompileHugeMethods (the jwasm-nn launcher and images do)");
        }
    }
}
