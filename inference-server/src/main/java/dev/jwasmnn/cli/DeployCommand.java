package dev.jwasmnn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jwasm-nn deploy}: uploads a model version, guest or config through the admin API. */
@Command(
        name = "deploy",
        // Not mixinStandardHelpOptions: its -V/--version would clash with --version N, and picocli
        // then drops the whole mixin, --help included.
        sortOptions = false,
        description = {
            "Upload a new version of a model (its model file and/or its guest) and/or its config.yaml",
            "to a running server. The files land in the repository atomically, then the model reloads;",
            "if it does not load, the repository is restored and the previous version keeps serving."
        },
        footer = {
            "",
            "Example (a guest compiled from Rust):",
            "  jwasm-nn deploy --model mobilenet --guest target/wasm32-wasi/release/classify.wasm",
            "",
            "A deploy without --file reuses the newest version's model file with the new guest.",
            "Exit status as for `jwasm-nn models`."
        })
final class DeployCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ModelsCommand.Connection connection = new ModelsCommand.Connection();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--model", required = true, paramLabel = "NAME", description = "The model to deploy to.")
    String model;

    @Option(names = "--version", paramLabel = "N", description = "Version number (default: the next one).")
    Long version;

    @Option(names = "--file", paramLabel = "model.onnx|model.pt", description = "The model file.")
    Path file;

    @Option(names = "--guest", paramLabel = "guest.wasm", description = "The guest module (WASI command).")
    Path guest;

    @Option(names = "--config", paramLabel = "config.yaml", description = "The model's config.yaml.")
    Path config;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        byte[] zip;
        try {
            if (file == null && guest == null && config == null) {
                throw new IllegalArgumentException("give at least one of --file, --guest, --config");
            }
            if (version != null && version < 1) {
                throw new IllegalArgumentException("--version must be a whole number from 1");
            }
            zip = pack();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        try {
            AdminClient client = connection.client();
            String path = "/v2/repository/models/" + model + "/deploy" + (version == null ? "" : "?version=" + version);
            JsonNode answer = client.post(path, HttpRequest.BodyPublishers.ofByteArray(zip), "application/zip");
            if (connection.json) {
                out.println(answer.toPrettyString());
            } else {
                out.println("deployed " + model + " version " + answer.get("deployed_version").asText());
                ModelsCommand.printStatus(answer, out);
            }
            out.flush();
            return 0;
        } catch (AdminClient.Failure f) {
            return AdminClient.report(f, err);
        }
    }

    /** The upload: a zip of the given files under their repository names. */
    private byte[] pack() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            if (file != null) {
                String name = file.getFileName().toString();
                String entry = name.endsWith(".onnx") ? "model.onnx" : name.endsWith(".pt") ? "model.pt" : null;
                if (entry == null) {
                    throw new IllegalArgumentException("--file " + file + " must be an .onnx or .pt file");
                }
                add(zip, entry, file);
            }
            if (guest != null) {
                add(zip, "guest.wasm", guest);
            }
            if (config != null) {
                add(zip, "config.yaml", config);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        return bytes.toByteArray();
    }

    private static void add(ZipOutputStream zip, String entry, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " is not a file");
        }
        zip.putNextEntry(new ZipEntry(entry));
        try (var in = Files.newInputStream(file)) {
            in.transferTo((OutputStream) zip);
        }
        zip.closeEntry();
    }
}
