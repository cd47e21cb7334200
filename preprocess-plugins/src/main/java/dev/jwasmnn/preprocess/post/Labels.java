package dev.jwasmnn.preprocess.post;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Class names, one per line, read once when the model loads. */
record Labels(List<String> names) {

    static Labels read(Path file, String step) {
        if (file == null) {
            return new Labels(List.of());
        }
        try {
            return new Labels(Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(l -> l.replace("\r", "")).toList());
        } catch (IOException e) {
            throw new IllegalArgumentException("step '" + step + "': cannot read labels file " + file + ": " + e);
        }
    }

    String of(int index) {
        return index >= 0 && index < names.size() ? names.get(index) : null;
    }
}
