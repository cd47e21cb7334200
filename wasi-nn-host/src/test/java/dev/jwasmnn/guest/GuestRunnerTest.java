package dev.jwasmnn.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwasmnn.testing.TestAssets;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guest runner on real Rust guests: WASI plumbing, limits, and hostile guests. */
class GuestRunnerTest {
    static GuestRunner runner;
    static GuestModule probe;

    @BeforeAll
    static void compile() {
        runner = GuestRunner.builder()
                .limits(GuestLimits.DEFAULT.withDeadline(Duration.ofSeconds(20)))
                .threadStackBytes(2L << 20)
                .build();
        probe = runner.compile(TestAssets.guest("guest-probe"));
    }

    @AfterAll
    static void close() {
        runner.close();
    }

    static GuestResult run(GuestInvocation.Builder b) {
        return runner.run(probe, b.build());
    }

    /** Interrupts {@code caller} 200 ms from now, as a client that gives up would. */
    static Thread interruptSoon(Thread caller) {
        return Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException ignored) {
                return;
            }
            caller.interrupt();
        });
    }

    static GuestInvocation.Builder probe(String... args) {
        List<String> argv = new ArrayList<>();
        argv.add("guest-probe.wasm");
        argv.addAll(List.of(args));
        return GuestInvocation.builder().args(argv);
    }

    @Nested
    class Wasi {
        @Test
        void aRunDoesNotMakeChicoryProbeTheClassPath() {
            GuestResult r = run(probe("args"));
            assertThat(r.succeeded()).as(r.toString()).isTrue();
            // Read by name: naming the class here would initialise it.
            assertThat(System.getProperty("jwasmnn.test.android-probe"))
                    .as("a WasiPreview1 was built without a logger, so Chicory looked up android.os.Build")
                    .isNull();
        }

        @Test
        void argvStartsWithTheModuleName() {
            GuestResult r = run(probe("args", "a b", "--flag", "ü"));
            assertThat(r.succeeded()).as(r.toString()).isTrue();
            assertThat(r.stdoutText().trim()).isEqualTo("[\"guest-probe.wasm\",\"args\",\"a b\",\"--flag\",\"ü\"]");
        }

        @Test
        void environmentIsOnlyWhatWasGranted() {
            GuestResult r = run(probe("env").env("MODEL", "mobilenet").env("EMPTY", ""));
            assertThat(r.stdoutText().trim()).isEqualTo("{\"EMPTY\":\"\",\"MODEL\":\"mobilenet\"}");
        }

        @Test
        void stdinStdoutAndStderrAreSeparate() {
            byte[] body = "request body \u0000 with a NUL".getBytes(StandardCharsets.UTF_8);
            GuestResult r = run(probe("stdin").stdin(body));
            assertThat(r.stdout()).containsExactly(body);
            GuestResult e = run(probe("stderr", "oops"));
            assertThat(e.stdoutText()).isEmpty();
            assertThat(e.stderrText()).contains("oops");
        }

        @Test
        void aLargeBodyArrivesWholeThroughManyReads() {
            // read_to_end into a growing Vec: many fd_read calls of changing sizes, across pages.
            byte[] body = new byte[3 * 1024 * 1024 + 12345];
            new java.util.Random(7).nextBytes(body);
            GuestResult r = run(probe("stdin").stdin(body));
            assertThat(r.succeeded()).as(r.toString()).isTrue();
            assertThat(r.stdout()).isEqualTo(body);
        }

        @Test
        void anInvocationWithABodyCanRunAgain() {
            GuestInvocation twice = probe("stdin").stdin("same body".getBytes(StandardCharsets.UTF_8)).build();
            assertThat(runner.run(probe, twice).stdoutText()).isEqualTo("same body");
            assertThat(runner.run(probe, twice).stdoutText()).as("the second run reads from the start").isEqualTo("same body");
        }

        @Test
        void oneReadFillsSeveralBuffersAndAClosedStdinIsGone() {
            GuestResult r = run(probe("stdin-close").stdin("hello world".getBytes(StandardCharsets.UTF_8)));
            assertThat(r.succeeded()).as(r.toString() + r.stderrText()).isTrue();
            // 8 is WASI's EBADF: once the guest closes descriptor 0, it is not served any more.
            assertThat(r.stdoutText().trim()).isEqualTo("readv=0 n=7 head=hello w close=0 read=8 n=0");
        }

        @Test
        void aRenumberedStdinContinuesWhereItWas(@TempDir Path dir) {
            // The preopen is descriptor 3; renumbering 0 onto it closes the preopen.
            GuestResult r = run(probe("stdin-renumber", "5", "3").directory("/data", dir)
                    .stdin("hello world".getBytes(StandardCharsets.UTF_8)));
            assertThat(r.succeeded()).as(r.toString() + r.stderrText()).isTrue();
            assertThat(r.stdoutText().trim()).isEqualTo("head=hello renumber=0 rest= world rest_errno=0 read0=8 n0=0");
        }

        @Test
        void streamsPassThroughWhenGiven() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            GuestResult r = run(probe("ok").stdout(out));
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("ok\n");
            assertThat(r.stdout()).isEmpty();
        }

        @Test
        void exitCodesComeBackAsTheGuestsOwn() {
            assertThat(run(probe("exit", "0")).exitCode()).isZero();
            GuestResult r = run(probe("exit", "42"));
            assertThat(r.outcome()).isEqualTo(GuestOutcome.EXITED);
            assertThat(r.exitCode()).isEqualTo(42);
            assertThat(run(probe("no-such-mode")).exitCode()).isEqualTo(2);
        }

        @Test
        void preopenedDirectoriesAreTheOnlyFilesTheGuestSees(@TempDir Path dir) throws Exception {
            Files.writeString(dir.resolve("in.txt"), "hello from the host");
            GuestResult cat = run(probe("cat", "/data/in.txt").directory("/data", dir));
            assertThat(cat.stdoutText()).isEqualTo("hello from the host");
            assertThat(run(probe("write", "/data/out.txt", "written by the guest").directory("/data", dir)).succeeded())
                    .isTrue();
            assertThat(Files.readString(dir.resolve("out.txt"))).isEqualTo("written by the guest");
            assertThat(run(probe("ls", "/data").directory("/data", dir)).stdoutText()).isEqualTo("in.txt\nout.txt\n");
            GuestResult outside = run(probe("cat", "/etc/passwd").directory("/data", dir));
            assertThat(outside.exitCode()).as("no preopen covers /etc").isEqualTo(1);
            GuestResult none = run(probe("cat", "/data/in.txt"));
            assertThat(none.exitCode()).isEqualTo(1);
        }

        @Test
        void modulesAreCompiledOnceAndShared() throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<GuestResult>> runs = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    String n = Integer.toString(i);
                    runs.add(pool.submit(() -> run(probe("args", n))));
                }
                for (int i = 0; i < runs.size(); i++) {
                    assertThat(runs.get(i).get().stdoutText()).contains("\"" + i + "\"");
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Nested
    class HostileGuests {
        @AfterEach
        void nextRunStillWorks() {
            GuestResult r = run(probe("ok"));
            assertThat(r.succeeded()).as("a normal run after the hostile one: %s", r).isTrue();
            assertThat(r.stdoutText()).isEqualTo("ok\n");
        }

        @Test
        void anInfiniteLoopIsStoppedByTheDeadline() {
            long start = System.nanoTime();
            GuestResult r = run(probe("loop").limits(runner.defaultLimits().withDeadline(Duration.ofMillis(300))));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.outcome()).isEqualTo(GuestOutcome.DEADLINE_EXCEEDED);
            assertThat(r.message()).contains("deadline of 300 ms");
            assertThat(ms).as("stopped promptly").isLessThan(5_000);
        }

        @Test
        void memoryGrowthStopsAtTheCap() {
            GuestResult r = run(probe("grow").limits(runner.defaultLimits().withMemoryBytes(32L << 20)));
            assertThat(r.outcome()).as(r.toString()).isEqualTo(GuestOutcome.MEMORY_LIMIT);
            assertThat(r.message()).contains("32768 KiB");
            assertThat(r.peakMemoryBytes()).isLessThanOrEqualTo(32L << 20);
        }

        @Test
        void aGuestThatStartsAboveTheCapIsRefused() {
            GuestResult r = run(probe("ok").limits(runner.defaultLimits().withMemoryBytes(65536)));
            assertThat(r.outcome()).isEqualTo(GuestOutcome.MEMORY_LIMIT);
            assertThat(r.message()).contains("to start");
        }

        @Test
        void anOutputFloodStopsAtTheCap() {
            GuestResult r = run(probe("flood").limits(runner.defaultLimits().withStdoutBytes(1L << 20)));
            assertThat(r.outcome()).isEqualTo(GuestOutcome.OUTPUT_LIMIT);
            assertThat(r.message()).contains("1048576 bytes to stdout");
            assertThat(r.stdout().length).isLessThanOrEqualTo(1 << 20);
        }

        @Test
        void deepRecursionExhaustsTheStackWithoutHurtingTheJvm() {
            GuestResult r = run(probe("recurse"));
            assertThat(r.outcome()).as(r.toString()).isEqualTo(GuestOutcome.STACK_EXHAUSTED);
            assertThat(r.message()).contains("call stack");
        }

        @Test
        void trapsAndPanicsEndTheRunWithTheReason() {
            GuestResult trap = run(probe("trap"));
            assertThat(trap.outcome()).isEqualTo(GuestOutcome.TRAPPED);
            assertThat(trap.message()).containsIgnoringCase("unreachable");
            GuestResult panic = run(probe("panic"));
            assertThat(panic.outcome()).isEqualTo(GuestOutcome.TRAPPED);
            assertThat(panic.stderrText()).contains("probe panic");
        }

        @Test
        void aCancelledCallerStopsItsGuest() throws Exception {
            Thread interrupter = interruptSoon(Thread.currentThread());
            GuestResult r = run(probe("loop"));
            boolean flag = Thread.interrupted();
            interrupter.join();
            assertThat(r.outcome()).isEqualTo(GuestOutcome.CANCELLED);
            assertThat(flag).as("the caller's interrupt flag is restored").isTrue();
        }

        @Test
        void manyHostileRunsInARowLeaveTheRunnerHealthy() {
            for (int i = 0; i < 5; i++) {
                assertThat(run(probe("loop").limits(runner.defaultLimits().withDeadline(Duration.ofMillis(50))))
                        .outcome()).isEqualTo(GuestOutcome.DEADLINE_EXCEEDED);
                assertThat(run(probe("trap")).outcome()).isEqualTo(GuestOutcome.TRAPPED);
                assertThat(run(probe("ok")).succeeded()).isTrue();
            }
        }
    }

    @Nested
    class OnCallerThread {
        GuestResult runHere(GuestRunner here, String... args) {
            return here.run(probe, probe(args).build());
        }

        @Test
        void runsOnTheCallingThreadWithTheSameLimits() throws Exception {
            try (GuestRunner here = GuestRunner.builder().runOnCallerThread(true).build()) {
                GuestModule module = here.compile(TestAssets.guest("guest-probe"));
                assertThat(here.run(module, probe("args", "x").build()).stdoutText()).contains("\"x\"");
                GuestResult loop = here.run(module, probe("loop")
                        .limits(here.defaultLimits().withDeadline(Duration.ofMillis(200))).build());
                assertThat(loop.outcome()).isEqualTo(GuestOutcome.DEADLINE_EXCEEDED);
                assertThat(Thread.currentThread().isInterrupted()).as("the deadline's interrupt is not left behind").isFalse();
                assertThat(here.run(module, probe("trap").build()).outcome()).isEqualTo(GuestOutcome.TRAPPED);
                assertThat(here.run(module, probe("ok").build()).succeeded()).isTrue();
                // Deep recursion on a thread with an explicit stack, as the mode's contract asks.
                GuestResult[] deep = new GuestResult[1];
                Thread t = new Thread(null, () -> deep[0] = here.run(module, probe("recurse").build()), "big-stack", 4L << 20);
                t.start();
                t.join();
                assertThat(deep[0].outcome()).isEqualTo(GuestOutcome.STACK_EXHAUSTED);
            }
        }

        @Test
        void anInterruptedCallerCancelsTheRunAndKeepsItsFlag() throws Exception {
            try (GuestRunner here = GuestRunner.builder().runOnCallerThread(true).build()) {
                GuestModule module = here.compile(TestAssets.guest("guest-probe"));
                Thread interrupter = interruptSoon(Thread.currentThread());
                GuestResult r = here.run(module, probe("loop").build());
                boolean flag = Thread.interrupted();
                interrupter.join();
                assertThat(r.outcome()).isEqualTo(GuestOutcome.CANCELLED);
                assertThat(flag).isTrue();
                Thread.currentThread().interrupt();
                assertThat(here.run(module, probe("ok").build()).outcome())
                        .as("an already interrupted caller does not start a guest").isEqualTo(GuestOutcome.CANCELLED);
                assertThat(Thread.interrupted()).isTrue();
                assertThat(here.run(module, probe("ok").build()).succeeded()).isTrue();
            }
        }
    }

    @Nested
    class Modules {
        @Test
        void garbageIsRejectedWithAReason() {
            assertThatThrownBy(() -> runner.compile("junk.wasm", "not wasm".getBytes()))
                    .isInstanceOf(GuestModuleException.class)
                    .hasMessageContaining("junk.wasm is not a valid WebAssembly module");
        }

        @Test
        void aLibraryModuleWithoutStartIsRejected() {
            var nn = new dev.jwasmnn.nn.abi.WasiNn(dev.jwasmnn.nn.abi.WasiNnConfig.builder(
                    dev.jwasmnn.nn.registry.Backends.of(List.of(), dev.jwasmnn.nn.spi.BackendSettings.defaults())).build());
            try (GuestRunner withNn = GuestRunner.builder().extension(nn).build()) {
                assertThatThrownBy(() -> withNn.compile(TestAssets.guest("nn-abi-probe")))
                        .isInstanceOf(GuestModuleException.class)
                        .hasMessageContaining("exports no _start");
                assertThat(withNn.compile(TestAssets.guest("classify")).name()).isEqualTo("classify.wasm");
            }
        }

        @Test
        void importsThisHostDoesNotProvideAreNamed() {
            // guest-probe's runner has no wasi_ephemeral_nn; classify imports it.
            assertThatThrownBy(() -> runner.compile(TestAssets.guest("classify")))
                    .isInstanceOf(GuestModuleException.class)
                    .hasMessageContaining("imports wasi_ephemeral_nn.")
                    .hasMessageContaining("provides no module wasi_ephemeral_nn");
        }

        @Test
        void compiledModulesReportTheirIdentity() {
            assertThat(probe.sha256()).hasSize(64);
            assertThat(probe.declaredMemory()).isPresent();
            assertThat(probe.declaredMemory().get().initialPages()).as("small-stack guests start small").isLessThanOrEqualTo(4);
        }
    }
}
