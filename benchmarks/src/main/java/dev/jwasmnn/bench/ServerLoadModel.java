package dev.jwasmnn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One model under load: its ONNX file, a recorded raw input (the request body) and its shape.
 * The server serves it twice: as {@code name} without a guest, and as {@code name-guest} behind
 * the raw-infer guest.
 */
record ServerLoadModel(String name, Path onnx, Path input, long[] shape, String guestMemory, int concurrency,
        int inFlight) {

    static List<ServerLoadModel> all(Path models) {
        return List.of(
                new ServerLoadModel("tiny", models.resolve("tiny.onnx"), models.resolve("tiny.in.f32"),
                        new long[] {1, 4}, "16MiB", 0, 0),
                new ServerLoadModel("mobilenet", models.resolve("mobilenet_v2.onnx"),
                        models.resolve("mobilenet_v2.input.f32"), new long[] {1, 3, 224, 224}, "64MiB", 1, 0));
    }

    /**
     * The model's {@code concurrency} line: none (the default, one per core) for the tiny model;
     * 1 for MobileNet, whose single inference already keeps every core busy (in-process, one
     * thread reaches more inferences per second than two), as an operator would configure it.
     */
    String concurrencyConfig() {
        return (concurrency == 0 ? "" : "concurrency: " + concurrency + "\n")
                + (inFlight == 0 ? "" : "in_flight: " + inFlight + "\n");
    }

    /** The same model with another {@code concurrency} (0: the server's default). */
    ServerLoadModel withConcurrency(int n) {
        return new ServerLoadModel(name, onnx, input, shape, guestMemory, n, inFlight);
    }

    /** The same model with another {@code in_flight} (0: the server's default, twice the concurrency). */
    ServerLoadModel withInFlight(int n) {
        return new ServerLoadModel(name, onnx, input, shape, guestMemory, concurrency, n);
    }

    String guestName() {
        return name + "-guest";
    }

    /** The shape as raw-infer's {@code --shape} takes it: "1,3,224,224". */
    String shapeArg() {
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(","));
    }

    byte[] inputBytes() throws IOException {
        return Files.readAllBytes(input);
    }
}
