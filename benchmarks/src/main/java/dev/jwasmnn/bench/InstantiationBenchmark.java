package dev.jwasmnn.bench;

import dev.jwasmnn.guest.GuestInvocation;
import dev.jwasmnn.guest.GuestModule;
import dev.jwasmnn.guest.GuestResult;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a fresh instance costs: linking WASI + wasi_ephemeral_nn, allocating the capped
 * ByteArrayMemory and copying data segments ({@code instantiate*}); and a whole trivial run
 * including the worker hand-off, {@code _start} and Rust's runtime start-up ({@code runProbeOk}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 6, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss4m", "-XX:-DontCompileHugeMethods"})
public class InstantiationBenchmark {
    Fixture fixture;
    GuestModule classify;
    GuestModule probe;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new Fixture();
        classify = fixture.guest("classify");
        probe = fixture.guest("guest-probe");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.close();
    }

    @Benchmark
    public void instantiateClassify() {
        fixture.runner.instantiateOnce(classify);
    }

    @Benchmark
    public GuestResult runProbeOk() {
        GuestResult r = fixture.runner.run(probe, GuestInvocation.builder().args("guest-probe.wasm", "ok").build());
        if (!r.succeeded()) {
            throw new IllegalStateException(r.toString());
        }
        return r;
    }
}
