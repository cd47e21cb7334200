package dev.jwasmnn.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code jwasm-nn} in its own JVM, as a user would, and collects exit code and streams. */
record CliProcess(int exitCode, byte[] stdoutBytes, String stderr) {

    String stdout() {
        return new String(stdoutBytes, StandardCharsets.UTF_8);
    }

    static CliProcess run(Path workDir, String... args) {
        return run(workDir, new byte[0], args);
    }

    /** As {@link #run(Path, String...)}, with {@code stdin} piped to the process. */
    static CliProcess run(Path workDir, byte[] stdin, String... args) {
        return run(List.of(), java.util.Map.of(), workDir, stdin, args);
    }

    /**
     * As {@link #run(Path, byte[], String...)}, with the JVM started under {@code wrapper} (for
     * example {@code strace} or {@code unshare}) and with extra system properties.
     */
    static CliProcess run(List<String> wrapper, java.util.Map<String, String> properties, Path workDir, byte[] stdin,
            String... args) {
        List<String> command = new ArrayList<>(wrapper);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        // No -Xss on purpose: Main runs commands on a thread with the native stack (NativeStack),
        // so `java -jar jwasm-nn.jar` works without the launcher's flags.
        java.util.Map<String, String> props = new java.util.TreeMap<>();
        String djlCache = System.getProperty("jwasmnn.pytorch.cache_dir");
        if (djlCache != null) {
            props.put("jwasmnn.pytorch.cache_dir", djlCache);
        }
        props.putAll(properties);
        props.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(workDir.toFile()).start();
            try (var in = p.getOutputStream()) {
                in.write(stdin);
            }
            var out = p.getInputStream().readAllBytes();
            var err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("jwasm-nn did not finish: " + command);
            }
            return new CliProcess(p.exitValue(), out, new String(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + stdout() + "\n--- stderr\n" + stderr;
    }
}
