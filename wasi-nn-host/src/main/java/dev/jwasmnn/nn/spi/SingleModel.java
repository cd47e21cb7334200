package dev.jwasmnn.nn.spi;

import dev.jwasmnn.nn.WasiNnException;
import java.nio.file.Path;
import java.util.List;

/**
 * Argument checks shared by backends whose model is one blob (ONNX, TorchScript): exactly one
 * graph builder or file, and not an empty one. Failures are {@code invalid_argument}.
 */
public final class SingleModel {
    private SingleModel() {}

    /** The one builder's bytes; {@code format} names the model format in messages. */
    public static byte[] bytes(List<byte[]> builders, String format) {
        if (builders.size() != 1) {
            throw WasiNnException.invalidArgument(
                    "%s takes exactly one graph builder (the model bytes), got %d", format, builders.size());
        }
        byte[] model = builders.get(0);
        if (model.length == 0) {
            throw WasiNnException.invalidArgument("the %s model bytes are empty", format);
        }
        return model;
    }

    /** The one model file. */
    public static Path file(List<Path> files, String format) {
        if (files.size() != 1) {
            throw WasiNnException.invalidArgument("%s takes exactly one model file, got %d", format, files.size());
        }
        return files.get(0);
    }
}
