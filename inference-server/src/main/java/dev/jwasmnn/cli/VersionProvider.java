package dev.jwasmnn.cli;

import picocli.CommandLine;

/** Version from the jar manifest, plus the runtime it runs on. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[] {
            "jwasm-nn " + (version != null ? version : "(development build)"),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
        };
    }
}
