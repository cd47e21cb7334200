package dev.jwasmnn.nn.registry;

import dev.jwasmnn.nn.ExecutionTarget;
import dev.jwasmnn.nn.GraphEncoding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code --nn-preload NAME:ENCODING:TARGET:PATH[:PATH...]} argument, the syntax WasmEdge uses.
 * Encoding and target are case-insensitive.
 */
public record PreloadSpec(String name, GraphEncoding encoding, ExecutionTarget target, List<Path> paths) {

    public PreloadSpec {
        paths = List.copyOf(paths);
    }

    /**
     * Parses and checks that every file exists and is readable.
     *
     * @throws IllegalArgumentException with a message that names the part that is wrong
     */
    public static PreloadSpec parse(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length < 4) {
            throw new IllegalArgumentException(
                    "--nn-preload '" + spec + "' must be NAME:ENCODING:TARGET:PATH[:PATH...],"
                            + " e.g. mobilenet:ONNX:CPU:models/mobilenet_v2.onnx");
        }
        String name = parts[0];
        if (name.isEmpty()) {
            throw new IllegalArgumentException("--nn-preload '" + spec + "': the graph name is empty");
        }
        GraphEncoding encoding;
        ExecutionTarget target;
        try {
            encoding = GraphEncoding.parse(parts[1]);
            target = ExecutionTarget.parse(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--nn-preload '" + spec + "': " + e.getMessage());
        }
        List<Path> paths = new ArrayList<>();
        for (int i = 3; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                throw new IllegalArgumentException("--nn-preload '" + spec + "': empty model path");
            }
            Path p = Path.of(parts[i]);
            if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                throw new IllegalArgumentException(
                        "--nn-preload '" + spec + "': model file " + p + " does not exist or is not readable");
            }
            paths.add(p);
        }
        return new PreloadSpec(name, encoding, target, paths);
    }
}
