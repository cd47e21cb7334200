package dev.jwasmnn.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real test inputs, made from source on first use in a JVM: the Rust guests (examples-rust/build.sh)
 * and the models with torch references (scripts/make-test-models.py). Both scripts are
 * idempotent, so this is quick when nothing changed. Missing toolchains fail loudly with the fix.
 */
public final class TestAssets {
    private static Path guests;
    private static Path models;

    private TestAssets() {}

    /** The repository root: -Djwasmnn.root (set by the build), else found upward from the working dir. */
    public static Path root() {
        String configured = System.getProperty("jwasmnn.root");
        if (configured != null && !configured.isBlank() && Files.isDirectory(Path.of(configured, "examples-rust"))) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("examples-rust")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the jwasm-nn repository root from " + Path.of("").toAbsolutePath());
    }

    /** Builds the example and test guests from source (once per JVM) and returns their folder. */
    public static synchronized Path guests() {
        if (guests == null) {
            Path out = root().resolve("build/guests");
            exec(List.of("bash", root().resolve("examples-rust/build.sh").toString(), "--out", out.toString()),
                    "building the Rust guests (needs Debian's rustc cargo libstd-rust-dev-wasm32 lld:"
                            + " run scripts/install-deps)");
            guests = out;
        }
        return guests;
    }

    public static Path guest(String name) {
        Path p = guests().resolve(name + ".wasm");
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("guest " + p + " was not built");
        }
        return p;
    }

    /** Generates the test models and references (once per JVM) and returns their folder. */
    public static synchronized Path models() {
        if (models == null) {
            Path out = root().resolve("build/models");
            exec(List.of("/usr/bin/python3", root().resolve("scripts/make-test-models.py").toString(), "--out", out.toString()),
                    "generating test models (needs Debian's python3-torch python3-torchvision python3-onnx:"
                            + " run scripts/install-deps)");
            models = out;
        }
        return models;
    }

    public static Path model(String file) {
        Path p = models().resolve(file);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("test model file " + p + " was not generated");
        }
        return p;
    }

    public static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a raw little-endian f32 file. */
    public static float[] floats(Path p) {
        return floats(bytes(p));
    }

    public static float[] floats(byte[] raw) {
        float[] out = new float[raw.length / 4];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    private static void exec(List<String> command, String what) {
        try {
            Path log = Files.createTempFile("jwasmnn-assets", ".log");
            Process p = new ProcessBuilder(command)
                    .directory(root().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!p.waitFor(20, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(what + ": timed out");
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(what + " failed with exit code " + p.exitValue() + ":\n" + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException(what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted", e);
        }
    }
}
