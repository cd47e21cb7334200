package dev.jwasmnn.cli;

import picocli.CommandLine;

/** Version from the jar manifest, plus the runtime it runs on. */
final class VersionProvider implements CommandLine.IVersionProvider {
    /** The jar's version, or "dev" when run from classes. */
    static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version != null ? version : "dev";
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "jwasm-nn " + version(),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
        };
    }
}
