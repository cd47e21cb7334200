package dev.jwasmnn.cli;

import io.helidon.logging.common.spi.LoggingProvider;

/**
 * Tells Helidon that logging is configured (by {@link Logging}, on java.util.logging), so it
 * does not print "no Helidon logging implementation on classpath" at every start. Helidon's own
 * JUL provider is not on the reachable Maven mirror at 4.3.4.
 */
public final class HelidonLogging implements LoggingProvider {
    @Override
    public void initialization() {
        // Logging.configure() ran first thing in main.
    }

    @Override
    public void runTime() {
        // Nothing to re-read at run time.
    }
}
