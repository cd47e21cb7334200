package dev.jwasmnn.cli;

import dev.jwasmnn.guest.GuestInvocation;
import dev.jwasmnn.guest.GuestLimits;
import dev.jwasmnn.guest.GuestModule;
import dev.jwasmnn.guest.GuestModuleException;
import dev.jwasmnn.guest.GuestOutcome;
import dev.jwasmnn.guest.GuestResult;
import dev.jwasmnn.guest.GuestRunner;
import dev.jwasmnn.nn.WasiNnException;
import dev.jwasmnn.nn.abi.TensorTypeNumbering;
import dev.jwasmnn.nn.abi.WasiNn;
import dev.jwasmnn.nn.abi.WasiNnConfig;
import dev.jwasmnn.preprocess.guest.JwasmCv;
import dev.jwasmnn.nn.registry.Backends;
import dev.jwasmnn.nn.registry.GraphRegistry;
import dev.jwasmnn.nn.registry.PreloadSpec;
import dev.jwasmnn.nn.spi.BackendSettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jwasm-nn run}: WasmEdge's command line, on Chicory. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run a WASI command module with wasi_ephemeral_nn, as `wasmedge` does.",
            "argv[0] is the module name; the module's stdout, stderr and exit code pass through."
        },
        footer = {
            "",
            "Examples:",
            "  jwasm-nn run --dir .:. --nn-preload mobilenet:ONNX:CPU:build/models/mobilenet_v2.onnx \\",
            "      build/guests/classify.wasm --preloaded mobilenet --image build/models/sample-224.bmp",
            "",
            "Exit status: the guest's own exit code; 2 for a bad command line or a module/model that",
            "cannot be loaded (nothing ran); 124 when the guest passed --timeout; 134 when it trapped or",
            "hit its memory, output or stack limit; 125 for a host failure."
        })
final class RunCommand implements Callable<Integer> {
    static final int EXIT_USAGE = 2;
    static final int EXIT_DEADLINE = 124;
    static final int EXIT_HOST_ERROR = 125;
    static final int EXIT_ABORTED = 134;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", paramLabel = "GUEST:HOST",
            description = "Preopen host directory HOST at GUEST in the guest (PATH alone means PATH:PATH).")
    List<String> dirs = new ArrayList<>();

    @Option(names = "--nn-preload", paramLabel = "NAME:ENCODING:TARGET:PATH[:PATH...]",
            description = "Load a model before the guest starts; the guest finds it with load_by_name(NAME)."
                    + " ENCODING: ONNX or PyTorch (case-insensitive); TARGET: CPU, GPU, TPU or AUTO (case-insensitive).")
    List<String> preloads = new ArrayList<>();

    @Option(names = "--allow-cv",
            description = "Let the guest call the jwasm_cv host module (native OpenCV image preprocessing).")
    boolean allowCv;

    @Option(names = "--env", paramLabel = "NAME=VALUE", description = "Set an environment variable in the guest.")
    List<String> env = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m",
            converter = Sizes.DurationConverter.class,
            description = "Stop the guest after this long (e.g. 500ms, 30s, 10m). Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(names = "--memory-limit", paramLabel = "SIZE", defaultValue = "1g",
            converter = Sizes.SizeConverter.class,
            description = "Cap on the guest's linear memory (e.g. 256m, 1g; at most 2047m). Default: ${DEFAULT-VALUE}.")
    long memoryLimit;

    @Option(names = "--max-output", paramLabel = "SIZE", defaultValue = "1g",
            converter = Sizes.SizeConverter.class,
            description = "Cap on what the guest writes to stdout, and separately to stderr. Default: ${DEFAULT-VALUE}.")
    long maxOutput;

    @Option(names = "--tensor-numbering", paramLabel = "current|legacy", defaultValue = "current",
            description = "Tensor-type numbering assumed when a guest's data cannot tell (see docs/wasi-nn-host.md)."
                    + " Default: ${DEFAULT-VALUE}.")
    String tensorNumbering;

    @Option(names = {"-v", "--verbose"}, description = "Log why each wasi-nn call failed.")
    boolean verbose;

    @Parameters(index = "0", paramLabel = "MODULE.wasm", description = "The guest: a WASI command module.")
    Path module;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments for the guest.")
    List<String> guestArgs = new ArrayList<>();

    @Override
    public Integer call() {
        if (verbose) {
            Logging.verbose();
        }
        PrintWriter err = spec.commandLine().getErr();
        // Check the whole command line before any guest or model is touched.
        Map<String, Path> preopens = parseDirs();
        Map<String, String> environment = parseEnv();
        List<PreloadSpec> specs = new ArrayList<>();
        for (String p : preloads) {
            specs.add(usage(() -> PreloadSpec.parse(p)));
        }
        TensorTypeNumbering numbering = usage(() -> TensorTypeNumbering.parse(tensorNumbering));
        GuestLimits limits = usage(() -> GuestLimits.DEFAULT
                .withMemoryBytes(memoryLimit)
                .withStdoutBytes(maxOutput)
                .withStderrBytes(maxOutput)
                .withDeadline(timeout));
        if (!Files.isRegularFile(module) || !Files.isReadable(module)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "module " + module + " does not exist or is not readable");
        }

        try (Backends backends = Backends.discover(BackendSettings.defaults());
                GraphRegistry registry = new GraphRegistry()) {
            for (PreloadSpec s : specs) {
                try {
                    registry.preload(s, backends);
                } catch (WasiNnException e) {
                    err.println("jwasm-nn: cannot preload '" + s.name() + "' from " + s.paths() + ": " + e.reason());
                    err.flush();
                    return EXIT_USAGE;
                }
            }
            WasiNn nn = new WasiNn(WasiNnConfig.builder(backends)
                    .resolver(registry)
                    .fallbackNumbering(numbering)
                    .build());
            try (GuestRunner runner = GuestRunner.builder().extension(nn).extension(new JwasmCv(allowCv))
                    .limits(limits).build()) {
                GuestModule guest;
                try {
                    guest = runner.compile(module);
                } catch (GuestModuleException e) {
                    err.println("jwasm-nn: " + e.getMessage());
                    err.flush();
                    return EXIT_USAGE;
                }
                List<String> argv = new ArrayList<>();
                argv.add(module.toString());
                argv.addAll(guestArgs);
                GuestInvocation.Builder invocation = GuestInvocation.builder()
                        .args(argv)
                        .env(environment)
                        .stdin(System.in)
                        .stdout(System.out)
                        .stderr(System.err);
                preopens.forEach(invocation::directory);
                GuestResult result = runner.run(guest, invocation.build());
                System.out.flush();
                return exitCode(result, err);
            }
        }
    }

    private static int exitCode(GuestResult result, PrintWriter err) {
        if (result.outcome() == GuestOutcome.EXITED) {
            return result.exitCode();
        }
        err.println("jwasm-nn: " + result.message());
        err.flush();
        return switch (result.outcome()) {
            case DEADLINE_EXCEEDED -> EXIT_DEADLINE;
            case HOST_ERROR, CANCELLED -> EXIT_HOST_ERROR;
            default -> EXIT_ABORTED;
        };
    }

    private Map<String, Path> parseDirs() {
        Map<String, Path> out = new LinkedHashMap<>();
        for (String d : dirs) {
            int colon = d.indexOf(':');
            String guest = colon < 0 ? d : d.substring(0, colon);
            String host = colon < 0 ? d : d.substring(colon + 1);
            if (guest.isEmpty() || host.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--dir '" + d + "' must be GUEST:HOST (e.g. .:. or /data:./models)");
            }
            Path hostPath = Path.of(host);
            if (!Files.isDirectory(hostPath)) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--dir '" + d + "': " + host + " is not a directory");
            }
            out.put(guest, hostPath);
        }
        return out;
    }

    private Map<String, String> parseEnv() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--env '" + e + "' must be NAME=VALUE");
            }
            out.put(e.substring(0, eq), e.substring(eq + 1));
        }
        return out;
    }

    private <T> T usage(java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
