package dev.jwasmnn.bench;

import dev.jwasmnn.guest.GuestInvocation;
import dev.jwasmnn.guest.GuestLimits;
import dev.jwasmnn.guest.GuestModule;
import dev.jwasmnn.guest.GuestResult;
import dev.jwasmnn.guest.GuestRunner;
import dev.jwasmnn.nn.abi.WasiNn;
import dev.jwasmnn.nn.abi.WasiNnConfig;
import dev.jwasmnn.nn.registry.Backends;
import dev.jwasmnn.nn.registry.GraphRegistry;
import dev.jwasmnn.nn.registry.PreloadSpec;
import dev.jwasmnn.nn.spi.BackendSettings;
import dev.jwasmnn.testing.TestAssets;
import java.nio.file.Path;
import java.time.Duration;

/** The host as a server would run it: preloaded graphs, one runner, guests compiled once. */
final class Fixture implements AutoCloseable {
    final Path models = TestAssets.models();
    final Backends backends = Backends.discover(BackendSettings.defaults());
    final GraphRegistry registry = new GraphRegistry();
    final GuestRunner runner;
    /** The same host, but guests run on the calling thread: no hand-off per run. */
    final GuestRunner callerRunner;

    Fixture() {
        this(false);
    }

    /** @param pytorch also preload MobileNetV2 as TorchScript, as {@code mobilenet_pt} (starts libtorch) */
    Fixture(boolean pytorch) {
        registry.preload(PreloadSpec.parse("mobilenet:ONNX:CPU:" + models.resolve("mobilenet_v2.onnx")), backends);
        registry.preload(PreloadSpec.parse("tiny:ONNX:CPU:" + models.resolve("tiny.onnx")), backends);
        if (pytorch) {
            registry.preload(PreloadSpec.parse("mobilenet_pt:PyTorch:CPU:" + models.resolve("mobilenet_v2.pt")), backends);
        }
        WasiNn nn = new WasiNn(WasiNnConfig.builder(backends).resolver(registry).build());
        GuestLimits limits = GuestLimits.DEFAULT.withMemoryBytes(64L << 20).withDeadline(Duration.ofSeconds(30));
        runner = GuestRunner.builder().extension(nn).limits(limits).build();
        callerRunner = GuestRunner.builder().extension(nn).limits(limits).runOnCallerThread(true).build();
    }

    /**
     * One run of the raw-infer guest on a preloaded graph: the tensor on stdin, output 0 on
     * stdout, {@code repeat} set_input/compute/get_output rounds.
     */
    static GuestResult rawInfer(GuestRunner runner, GuestModule rawInfer, String graph, String shape,
            byte[] tensor, int repeat) {
        return runner.run(rawInfer, GuestInvocation.builder()
                .args("raw-infer.wasm", "--preloaded", graph, "--type", "f32", "--shape", shape,
                        "--repeat", Integer.toString(repeat))
                .stdin(tensor)
                .build());
    }

    GuestModule guest(String name) {
        return runner.compile(TestAssets.guest(name));
    }

    @Override
    public void close() {
        runner.close();
        callerRunner.close();
        registry.close();
        backends.close();
    }
}
