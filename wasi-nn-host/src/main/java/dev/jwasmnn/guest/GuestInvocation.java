package dev.jwasmnn.guest;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one guest run gets: argv (argv[0] first), environment, preopened directories,
 * stdin, where stdout and stderr go (captured into the result when not given), and optional
 * limits that replace the runner's defaults.
 */
public final class GuestInvocation {
    private final List<String> args;
    private final Map<String, String> env;
    private final Map<String, Path> directories;
    private final InputStream stdin;
    private final byte[] stdinBytes;
    private final OutputStream stdout;
    private final OutputStream stderr;
    private final GuestLimits limits;
    private final Map<Class<?>, Object> attachments;
    private final Runnable onEnd;

    private GuestInvocation(Builder b) {
        this.attachments = Map.copyOf(b.attachments);
        this.args = List.copyOf(b.args);
        this.env = Map.copyOf(b.env);
        this.directories = new LinkedHashMap<>(b.directories);
        this.stdin = b.stdin;
        this.stdinBytes = b.stdinBytes;
        this.stdout = b.stdout;
        this.stderr = b.stderr;
        this.limits = b.limits;
        this.onEnd = b.onEnd;
    }

    /**
     * Called once when a run of this invocation has truly ended, its worker done with everything,
     * even when {@link GuestRunner#run} stopped waiting for it before (a host call that could not
     * be interrupted). Null when none was given.
     */
    public Runnable onEnd() {
        return onEnd;
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<String> args() {
        return args;
    }

    public Map<String, String> env() {
        return env;
    }

    public Map<String, Path> directories() {
        return directories;
    }

    /** Stdin as a stream; a fresh one over the bytes when stdin was given as bytes. */
    public InputStream stdin() {
        return stdinBytes != null ? new ByteArrayInputStream(stdinBytes) : stdin;
    }

    /** Stdin when it was given as bytes: then every run of this invocation reads them from the start. */
    public Optional<byte[]> stdinBytes() {
        return Optional.ofNullable(stdinBytes);
    }

    public Optional<OutputStream> stdout() {
        return Optional.ofNullable(stdout);
    }

    public Optional<OutputStream> stderr() {
        return Optional.ofNullable(stderr);
    }

    public Optional<GuestLimits> limits() {
        return Optional.ofNullable(limits);
    }

    /** A value attached for a host extension, e.g. the graphs this run may load. */
    public <T> Optional<T> attachment(Class<T> type) {
        return Optional.ofNullable(type.cast(attachments.get(type)));
    }

    public static final class Builder {
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final Map<String, Path> directories = new LinkedHashMap<>();
        private InputStream stdin = InputStream.nullInputStream();
        private byte[] stdinBytes;
        private OutputStream stdout;
        private OutputStream stderr;
        private GuestLimits limits;
        private final Map<Class<?>, Object> attachments = new java.util.HashMap<>();
        private Runnable onEnd;

        /**
         * Runs when each run of this invocation has ended (see {@link GuestInvocation#onEnd()}): for
         * what must be held until then, such as the request's place in line.
         */
        public Builder onEnd(Runnable callback) {
            this.onEnd = callback;
            return this;
        }

        /** The full argv, argv[0] (the program name) first. */
        public Builder args(List<String> argv) {
            args.clear();
            args.addAll(argv);
            return this;
        }

        public Builder args(String... argv) {
            return args(List.of(argv));
        }

        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        public Builder env(Map<String, String> vars) {
            env.putAll(vars);
            return this;
        }

        /** Preopens {@code host} at {@code guestPath}, read-write. */
        public Builder directory(String guestPath, Path host) {
            directories.put(guestPath, host);
            return this;
        }

        /** Stdin from bytes in memory (not copied): the guest reads them straight into its memory. */
        public Builder stdin(byte[] bytes) {
            this.stdinBytes = java.util.Objects.requireNonNull(bytes, "bytes");
            this.stdin = null;
            return this;
        }

        public Builder stdin(InputStream in) {
            this.stdin = java.util.Objects.requireNonNull(in, "in");
            this.stdinBytes = null;
            return this;
        }

        /** Streams stdout to {@code out} (still capped) instead of capturing it. */
        public Builder stdout(OutputStream out) {
            this.stdout = out;
            return this;
        }

        /** Streams stderr to {@code err} (still capped) instead of capturing it. */
        public Builder stderr(OutputStream err) {
            this.stderr = err;
            return this;
        }

        public Builder limits(GuestLimits l) {
            this.limits = l;
            return this;
        }

        /** Attaches {@code value} under its type for the host extensions of this run. */
        public <T> Builder attach(Class<T> type, T value) {
            attachments.put(type, type.cast(value));
            return this;
        }

        public GuestInvocation build() {
            return new GuestInvocation(this);
        }
    }
}
