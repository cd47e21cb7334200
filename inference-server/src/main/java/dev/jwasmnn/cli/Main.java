package dev.jwasmnn.cli;

import dev.jwasmnn.nn.NativeStack;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jwasm-nn} command line. */
@Command(
        name = "jwasm-nn",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Serve ML models behind sandboxed WebAssembly logic: WASI-NN guests on Chicory,"
                + " ONNX Runtime underneath.",
        subcommands = {RunCommand.class, ServeCommand.class, ModelsCommand.class, DeployCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line with the settings every entry point (main, tests) must share. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        // Everything after MODULE.wasm belongs to the guest, even if it looks like an option.
        cli.getSubcommands().get("run").setStopAtPositional(true);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }

    public static void main(String[] args) {
        Logging.configure();
        // Commands create ONNX Runtime sessions on this thread: give it the native stack, so
        // `java -jar` without -Xss works too.
        int code = NativeStack.call("jwasm-nn", () -> commandLine().execute(args));
        System.exit(code);
    }
}
