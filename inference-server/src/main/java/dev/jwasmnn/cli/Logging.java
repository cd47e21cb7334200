package dev.jwasmnn.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** One-line log records on stderr; {@code --verbose} shows wasi-nn errno reasons. */
final class Logging {
    private Logging() {}

    static void configure() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        System.setProperty("java.util.logging.SimpleFormatter.format", "jwasm-nn: %4$s: %5$s%6$s%n");
        LogManager.getLogManager().reset();
        ConsoleHandler handler = new ConsoleHandler();
        handler.setFormatter(new SimpleFormatter());
        handler.setLevel(Level.ALL);
        Logger root = Logger.getLogger("");
        root.addHandler(handler);
        root.setLevel(Level.WARNING);
        // DJL warns at every start on a host with a CUDA runtime but no driver; our own GPU probe
        // reports the same once, when a graph asks for the GPU.
        CUDA_PROBE_LOG.setLevel(Level.SEVERE);
    }

    // Held strongly: java.util.logging forgets the level of a logger nobody references.
    private static final Logger CUDA_PROBE_LOG = Logger.getLogger("ai.djl.util.cuda.CudaUtils");

    /** The server logs its lifecycle and one line per request at INFO. */
    static void serving() {
        Logger.getLogger("dev.jwasmnn").setLevel(Level.INFO);
    }

    static void verbose() {
        Logger.getLogger("dev.jwasmnn").setLevel(Level.FINE);
    }
}
