package dev.jwasmnn.guest;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.log.Logger;
import com.dylibso.chicory.log.SystemLogger;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Compiles guest modules once and runs them, each run in a fresh instance on a worker thread
 * with an explicit stack size, under a memory cap, capped stdout/stderr and a deadline that
 * interrupts compiled guest code and cancels host work (a long compute) in flight.
 *
 * <p>Thread-safe; one runner serves a whole process.
 */
public final class GuestRunner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GuestRunner.class.getName());
    /**
     * Given to every WasiPreview1 we build: without a logger, Chicory's builder probes for
     * Android with a Class.forName that fails, a search of the whole class path on every
     * request (18–55 µs on the server's class path).
     */
    private static final Logger WASI_LOGGER = new SystemLogger();

    /** How every WasiPreview1 of ours starts: with {@link #WASI_LOGGER}. */
    static WasiPreview1.Builder wasi() {
        return WasiPreview1.builder().withLogger(WASI_LOGGER);
    }

    /** How long a stopped run (deadline, cancel) may take to end before its caller stops waiting. */
    private static final long STOP_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final List<HostExtension> extensions;
    private final Map<String, Map<String, FunctionType>> provided;
    private final GuestLimits defaultLimits;
    private final boolean onCallerThread;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService watchdog;
    /** Runs in progress, so close can stop them (their host work included) as a deadline would. */
    private final java.util.Set<RunControl> running = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private GuestRunner(Builder b) {
        this.extensions = List.copyOf(b.extensions);
        this.defaultLimits = b.limits;
        this.onCallerThread = b.onCallerThread;
        Map<String, Map<String, FunctionType>> modules = new LinkedHashMap<>();
        modules.put(WasiImports.MODULE_NAME, WasiImports.functionTypes());
        for (HostExtension e : extensions) {
            if (modules.put(e.moduleName(), e.functionTypes()) != null) {
                throw new IllegalArgumentException("two host extensions provide module " + e.moduleName());
            }
        }
        this.provided = Map.copyOf(modules);
        AtomicInteger ids = new AtomicInteger();
        long stack = b.threadStackBytes;
        this.workers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(null, r, "jwasm-guest-" + ids.incrementAndGet(), stack);
            t.setDaemon(true);
            return t;
        });
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "jwasm-guest-watchdog");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        this.watchdog = timer;
        HugeMethods.warnIfInterpreted(LOG);
    }

    public static Builder builder() {
        return new Builder();
    }

    public GuestLimits defaultLimits() {
        return defaultLimits;
    }

    // ---- compiling ----

    public GuestModule compile(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new GuestModuleException("cannot read guest module " + file + ": " + e.getMessage(), e);
        }
        return compile(file.getFileName().toString(), bytes);
    }

    /**
     * Parses, checks and compiles {@code wasm}. Every import must be one this runner provides,
     * with the same type, and the module must be a WASI command (export {@code _start}).
     *
     * @throws GuestModuleException saying what is wrong with the module
     */
    public GuestModule compile(String name, byte[] wasm) {
        long start = System.nanoTime();
        WasmModule module;
        try {
            module = Parser.parse(wasm);
        } catch (RuntimeException e) {
            throw new GuestModuleException(name + " is not a valid WebAssembly module: " + e.getMessage(), e);
        }
        checkImports(name, module);
        checkExports(name, module);
        MemoryLimits memory = module.memorySection()
                .filter(s -> s.memoryCount() > 0)
                .map(s -> s.getMemory(0).limits())
                .orElse(null);
        Function<Instance, Machine> factory;
        try {
            // FAIL, not a silent interpreter fallback: an interpreted guest is ~100x slower.
            factory = MachineFactoryCompiler.builder(module)
                    .withInterpreterFallback(InterpreterFallback.FAIL)
                    .compile();
        } catch (RuntimeException e) {
            throw new GuestModuleException(name + " could not be compiled to JVM bytecode: " + e.getMessage(), e);
        }
        return new GuestModule(name, sha256(wasm), module, factory, memory,
                Duration.ofNanos(System.nanoTime() - start), wasm.length);
    }

    private void checkImports(String name, WasmModule module) {
        int count = module.importSection().importCount();
        for (int i = 0; i < count; i++) {
            Import imp = module.importSection().getImport(i);
            String what = imp.module() + "." + imp.name();
            if (imp.importType() != ExternalType.FUNCTION) {
                throw new GuestModuleException(name + " imports " + imp.importType().name().toLowerCase()
                        + " " + what + "; guests may import only functions (and must define their own memory)");
            }
            Map<String, FunctionType> functions = provided.get(imp.module());
            if (functions == null) {
                throw new GuestModuleException(name + " imports " + what + ", but this host provides no module "
                        + imp.module() + " (available: " + String.join(", ", provided.keySet()) + ")");
            }
            FunctionType have = functions.get(imp.name());
            if (have == null) {
                throw new GuestModuleException(name + " imports " + what + ", which " + imp.module() + " does not have");
            }
            FunctionType want = module.typeSection().getType(((FunctionImport) imp).typeIndex());
            if (!have.equals(want)) {
                throw new GuestModuleException(name + " imports " + what + " with type " + describe(want)
                        + ", but the host's is " + describe(have));
            }
        }
    }

    private static String describe(FunctionType t) {
        return t.params() + " -> " + t.returns();
    }

    private static void checkExports(String name, WasmModule module) {
        int count = module.exportSection().exportCount();
        for (int i = 0; i < count; i++) {
            var export = module.exportSection().getExport(i);
            if (export.name().equals(Instance.START_FUNCTION_NAME) && export.exportType() == ExternalType.FUNCTION) {
                return;
            }
        }
        throw new GuestModuleException(name + " exports no _start function: build it as a WASI command"
                + " (a Rust bin crate for wasm32-wasi / wasm32-wasip1), not a library");
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- running ----

    /**
     * Runs {@code module} once in a fresh instance and waits for it. Never throws for anything
     * the guest does; the result says how it ended. If the calling thread is interrupted the run
     * is cancelled, the result says CANCELLED and the interrupt flag is restored.
     */
    public GuestResult run(GuestModule module, GuestInvocation invocation) {
        GuestLimits limits = invocation.limits().orElse(defaultLimits);
        RunControl control = new RunControl();
        if (onCallerThread) {
            return runHere(module, invocation, limits, control);
        }
        // Completed by the run, or, when a stopped run has not ended STOP_GRACE later (a host call
        // nothing can interrupt, such as a libtorch forward pass), by the watchdog without it. The
        // caller waits untimed: no timer per request on a virtual thread.
        CompletableFuture<GuestResult> answer = new CompletableFuture<>();
        long submitted = System.nanoTime();
        try {
            workers.execute(() -> {
                try {
                    answer.complete(execute(module, invocation, limits, control));
                } catch (Throwable t) {
                    answer.completeExceptionally(t);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException | Error e) {
            // Shut down, or no thread could be made: the run never starts, but it has ended.
            ended(invocation);
            if (e instanceof Error) {
                LOG.log(System.Logger.Level.ERROR, "no thread for a guest run", e);
                return hostError("the server could not start a thread for the guest: " + e, Duration.ZERO);
            }
            return hostError("the guest runner is shut down", Duration.ZERO);
        }
        Runnable giveUpLater = () -> {
            try {
                watchdog.schedule(() -> {
                    GuestOutcome reason = control.stopReason();
                    if (reason != null) {
                        answer.complete(notEnded(reason, limits, submitted));
                    }
                }, STOP_GRACE_NANOS, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // The runner is closing: its close interrupts the run, which then ends.
            }
        };
        ScheduledFuture<?> timer;
        try {
            timer = watchdog.schedule(() -> {
                control.stop(GuestOutcome.DEADLINE_EXCEEDED);
                giveUpLater.run();
            }, limits.deadline().toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            timer = null; // closing: close() stops every run, which then answers
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return answer.get();
                } catch (InterruptedException e) {
                    if (!interrupted) {
                        interrupted = true;
                        control.stop(GuestOutcome.CANCELLED);
                        giveUpLater.run();
                    }
                } catch (ExecutionException e) {
                    LOG.log(System.Logger.Level.ERROR, "guest runner failed", e.getCause());
                    return hostError("guest runner failed: " + e.getCause(), Duration.ZERO);
                }
            }
        } finally {
            if (timer != null) {
                timer.cancel(false);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The answer for a stopped run that has not ended: it goes on in a host call nothing can interrupt. */
    private static GuestResult notEnded(GuestOutcome reason, GuestLimits limits, long submitted) {
        return new GuestResult(reason, -1, describeStop(reason, limits) + "; it had not stopped "
                + TimeUnit.NANOSECONDS.toMillis(STOP_GRACE_NANOS) + " ms later (a host call that cannot be"
                + " interrupted, such as a libtorch forward pass) and ends on its own",
                new byte[0], new byte[0], Duration.ofNanos(System.nanoTime() - submitted), Duration.ZERO, 0, 0, 0);
    }

    /** Caller-thread mode: no hand-off; an interrupt of the caller cancels the run and is kept. */
    private GuestResult runHere(GuestModule module, GuestInvocation invocation, GuestLimits limits, RunControl control) {
        if (Thread.currentThread().isInterrupted()) {
            ended(invocation);
            return new GuestResult(GuestOutcome.CANCELLED, -1, describeStop(GuestOutcome.CANCELLED, limits),
                    new byte[0], new byte[0], Duration.ZERO, Duration.ZERO, 0, 0, 0);
        }
        ScheduledFuture<?> timer;
        try {
            timer = watchdog.schedule(
                    () -> control.stop(GuestOutcome.DEADLINE_EXCEEDED), limits.deadline().toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            ended(invocation);
            return hostError("the guest runner is shut down", Duration.ZERO);
        }
        try {
            return execute(module, invocation, limits, control);
        } finally {
            timer.cancel(false);
            if (control.externallyInterrupted()) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One run on the current thread; the invocation's {@code onEnd} runs when it is over, whatever happened. */
    private GuestResult execute(GuestModule module, GuestInvocation inv, GuestLimits limits, RunControl control) {
        running.add(control);
        try {
            return executeRun(module, inv, limits, control);
        } finally {
            running.remove(control);
            ended(inv);
        }
    }

    private static void ended(GuestInvocation inv) {
        Runnable onEnd = inv.onEnd();
        if (onEnd != null) {
            try {
                onEnd.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a guest run's end callback failed", e);
            }
        }
    }

    private GuestResult executeRun(GuestModule module, GuestInvocation inv, GuestLimits limits, RunControl control) {
        long start = System.nanoTime();
        if (!control.start(Thread.currentThread())) {
            return result(control.stopReason(), -1, "stopped before it started: " + describeStop(control.stopReason(), limits),
                    null, null, start, start, 0, 0, 0);
        }
        ByteArrayOutputStream capturedOut = inv.stdout().isPresent() ? null : new ByteArrayOutputStream();
        ByteArrayOutputStream capturedErr = inv.stderr().isPresent() ? null : new ByteArrayOutputStream();
        CappedOutputStream stdout = new CappedOutputStream(
                inv.stdout().orElse(capturedOut), "stdout", limits.stdoutBytes());
        CappedOutputStream stderr = new CappedOutputStream(
                inv.stderr().orElse(capturedErr), "stderr", limits.stderrBytes());
        List<HostExtension.Session> sessions = new ArrayList<>();
        CappedMemory[] memory = new CappedMemory[1];
        long instantiated = start;
        GuestOutcome outcome;
        int exitCode = -1;
        String message = "";
        try {
            for (HostExtension e : extensions) {
                sessions.add(e.open(inv));
            }
            control.attach(sessions);
            MemoryLimits memoryLimits = memoryLimits(module, limits);
            BytesStdin stdin = inv.stdinBytes().map(BytesStdin::new).orElse(null);
            WasiOptions options = wasiOptions(inv, stdin != null ? stdin : inv.stdin(), stdout, stderr);
            try (WasiPreview1 wasi = wasi().withOptions(options).build()) {
                Instance instance = instantiate(module, wasi, stdin, sessions, memoryLimits, memory);
                instantiated = System.nanoTime();
                ExportFunction main = instance.export(Instance.START_FUNCTION_NAME);
                main.apply();
                outcome = GuestOutcome.EXITED;
                exitCode = 0;
            }
        } catch (WasiExitException e) {
            outcome = GuestOutcome.EXITED;
            exitCode = e.exitCode();
        } catch (MemoryLimitException e) {
            outcome = GuestOutcome.MEMORY_LIMIT;
            message = e.getMessage();
        } catch (RuntimeException | StackOverflowError e) {
            outcome = classify(e, control, stdout, stderr, memory[0]);
            message = describe(outcome, e, limits, memory[0], stdout, stderr, control);
        } catch (OutOfMemoryError e) {
            outcome = GuestOutcome.HOST_ERROR;
            message = "the JVM ran out of heap while running the guest";
        } finally {
            for (HostExtension.Session s : sessions) {
                try {
                    s.close();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "closing " + s + " failed", e);
                }
            }
            control.finish();
        }
        long computeNanos = 0;
        long computeWaitNanos = 0;
        for (HostExtension.Session s : sessions) {
            if (s instanceof ComputeTimed timed) {
                computeNanos += timed.computeNanos();
                computeWaitNanos += timed.computeWaitNanos();
            }
        }
        long memoryBytes = memory[0] == null ? 0 : (long) memory[0].pages() * 65536;
        return result(outcome, exitCode, message,
                capturedOut, capturedErr, start, instantiated, computeNanos, computeWaitNanos, memoryBytes);
    }

    /** Links and initialises one instance: imports, capped ByteArrayMemory, data segments; no code runs. */
    private static Instance instantiate(GuestModule module, WasiPreview1 wasi, BytesStdin stdin,
            List<HostExtension.Session> sessions, MemoryLimits memoryLimits, CappedMemory[] memory) {
        List<ImportFunction> provided = stdin != null
                ? stdin.around(wasi.toHostFunctions())
                : new ArrayList<>(List.of(wasi.toHostFunctions()));
        for (HostExtension.Session s : sessions) {
            provided.addAll(s.hostFunctions());
        }
        Instance.Builder builder = Instance.builder(module.wasm())
                .withMachineFactory(module.machineFactory())
                .withImportValues(ImportValues.builder().withFunctions(module.importPlan().select(provided)).build())
                .withStart(false);
        if (memoryLimits != null) {
            builder.withMemoryLimits(memoryLimits).withMemoryFactory(l -> memory[0] = new CappedMemory(l));
        }
        return builder.build();
    }

    /**
     * Creates one fully linked instance of {@code module} on the calling thread, exactly as a run
     * does, and discards it without running any guest code: the fixed cost every run pays. For
     * warm-up (the JIT sees the instantiation path before the first request) and benchmarks.
     */
    public void instantiateOnce(GuestModule module) {
        List<HostExtension.Session> sessions = new ArrayList<>();
        GuestInvocation nothing = GuestInvocation.builder().args(module.name()).build();
        BytesStdin stdin = new BytesStdin(new byte[0]);
        try (WasiPreview1 wasi = wasi()
                .withOptions(wasiOptions(nothing, stdin, OutputStream.nullOutputStream(), OutputStream.nullOutputStream()))
                .build()) {
            for (HostExtension e : extensions) {
                sessions.add(e.open(nothing));
            }
            instantiate(module, wasi, stdin, sessions, memoryLimits(module, defaultLimits), new CappedMemory[1]);
        } finally {
            sessions.forEach(HostExtension.Session::close);
        }
    }

    private static GuestResult result(GuestOutcome outcome, int exitCode, String message,
            ByteArrayOutputStream out, ByteArrayOutputStream err, long start, long instantiated,
            long computeNanos, long computeWaitNanos, long memoryBytes) {
        long end = System.nanoTime();
        return new GuestResult(outcome, exitCode, message,
                out == null ? new byte[0] : out.toByteArray(),
                err == null ? new byte[0] : err.toByteArray(),
                Duration.ofNanos(end - start), Duration.ofNanos(instantiated - start), computeNanos,
                computeWaitNanos, memoryBytes);
    }

    private static GuestResult hostError(String message, Duration elapsed) {
        return new GuestResult(GuestOutcome.HOST_ERROR, -1, message, new byte[0], new byte[0], elapsed, Duration.ZERO, 0, 0, 0);
    }

    /** Linear memory limits: the module's own, with the maximum lowered to the cap. */
    private static MemoryLimits memoryLimits(GuestModule module, GuestLimits limits) {
        MemoryLimits declared = module.declaredMemory().orElse(null);
        if (declared == null) {
            return null;
        }
        int cap = limits.memoryPages();
        if (declared.initialPages() > cap) {
            throw new MemoryLimitException("the guest needs " + declared.initialPages() * 64L
                    + " KiB of memory to start, above its limit of " + cap * 64L + " KiB");
        }
        return new MemoryLimits(declared.initialPages(), Math.min(declared.maximumPages(), cap));
    }

    private static WasiOptions wasiOptions(GuestInvocation inv, InputStream stdin, OutputStream stdout,
            OutputStream stderr) {
        WasiOptions.Builder b = WasiOptions.builder()
                .withArguments(inv.args())
                .withStdin(stdin)
                .withStdout(stdout)
                .withStderr(stderr)
                .withThrowOnExit0(true);
        inv.env().forEach(b::withEnvironment);
        inv.directories().forEach(b::withDirectory);
        return b.build();
    }

    private static GuestOutcome classify(Throwable e, RunControl control, CappedOutputStream out,
            CappedOutputStream err, CappedMemory memory) {
        GuestOutcome stop = control.stopReason();
        if (stop != null) {
            return stop;
        }
        if (out.exceeded() || err.exceeded() || hasCause(e, OutputLimitExceededException.class)) {
            return GuestOutcome.OUTPUT_LIMIT;
        }
        if (e instanceof StackOverflowError || hasCause(e, StackOverflowError.class)) {
            return GuestOutcome.STACK_EXHAUSTED;
        }
        if (e instanceof ChicoryInterruptedException) {
            return GuestOutcome.CANCELLED;
        }
        if (memory != null && memory.refusedGrowPages() > 0 && e instanceof ChicoryException) {
            return GuestOutcome.MEMORY_LIMIT;
        }
        if (e instanceof TrapException || e instanceof ChicoryException) {
            return GuestOutcome.TRAPPED;
        }
        return GuestOutcome.HOST_ERROR;
    }

    private static String describe(GuestOutcome outcome, Throwable e, GuestLimits limits, CappedMemory memory,
            CappedOutputStream out, CappedOutputStream err, RunControl control) {
        return switch (outcome) {
            case DEADLINE_EXCEEDED, CANCELLED -> describeStop(outcome, limits);
            case OUTPUT_LIMIT -> out.exceeded()
                    ? "the guest wrote more than " + limits.stdoutBytes() + " bytes to stdout"
                    : "the guest wrote more than " + limits.stderrBytes() + " bytes to stderr";
            case STACK_EXHAUSTED -> "the guest exhausted its call stack (runaway recursion)";
            case MEMORY_LIMIT -> "the guest trapped after memory.grow was refused: it needed more than its limit of "
                    + (limits.memoryPages() * 64L) + " KiB (" + e.getMessage() + ")";
            case TRAPPED -> "the guest trapped: " + e.getMessage();
            default -> {
                LOG.log(System.Logger.Level.WARNING, "guest run failed in the host", e);
                yield "host error: " + e;
            }
        };
    }

    private static String describeStop(GuestOutcome reason, GuestLimits limits) {
        return reason == GuestOutcome.DEADLINE_EXCEEDED
                ? "the guest ran past its deadline of " + limits.deadline().toMillis() + " ms and was stopped"
                : "the run was cancelled by its caller";
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /**
     * Stops every run as a deadline would (interrupted, host work such as a compute cancelled) and
     * waits up to 30 s for them to end: a run stuck in a host call that cannot be interrupted
     * must end before the backends close. The watchdog goes last, so callers still get their
     * answers meanwhile.
     */
    @Override
    public void close() {
        workers.shutdown();
        running.forEach(c -> c.stop(GuestOutcome.CANCELLED));
        try {
            if (!workers.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "guest runs still going after 30 s; closing without them");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            workers.shutdownNow();
            watchdog.shutdownNow();
        }
    }

    /** Thrown before instantiation when the module's initial memory is above the cap. */
    private static final class MemoryLimitException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MemoryLimitException(String message) {
            super(message);
        }
    }

    public static final class Builder {
        private final List<HostExtension> extensions = new ArrayList<>();
        private GuestLimits limits = GuestLimits.DEFAULT;
        private long threadStackBytes = dev.jwasmnn.nn.NativeStack.BYTES;
        private boolean onCallerThread;

        public Builder extension(HostExtension extension) {
            extensions.add(extension);
            return this;
        }

        public Builder limits(GuestLimits defaults) {
            this.limits = defaults;
            return this;
        }

        /** JVM stack of guest threads; bounds how deep a guest may recurse. Default 8 MiB. */
        public Builder threadStackBytes(long bytes) {
            if (bytes < 256 * 1024) {
                throw new IllegalArgumentException("guest thread stack must be at least 256 KiB");
            }
            this.threadStackBytes = bytes;
            return this;
        }

        /**
         * Runs guests on the thread that calls {@link GuestRunner#run} instead of handing them to a
         * worker: saves a thread hand-off per run (a few hundred µs on a busy 2-core machine). The
         * caller's stack then bounds guest recursion, so use it from threads with a known, large
         * stack (virtual threads, or platform threads made with an explicit stack size).
         */
        public Builder runOnCallerThread(boolean onCaller) {
            this.onCallerThread = onCaller;
            return this;
        }

        public GuestRunner build() {
            return new GuestRunner(this);
        }
    }
}
