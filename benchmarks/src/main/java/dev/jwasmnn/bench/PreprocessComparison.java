package dev.jwasmnn.bench;

import dev.jwasmnn.guest.GuestInvocation;
import dev.jwasmnn.guest.GuestModule;
import dev.jwasmnn.guest.GuestResult;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.preprocess.image.ImagePreprocessor;
import dev.jwasmnn.preprocess.spi.StepContext;
import dev.jwasmnn.preprocess.spi.StepOptions;
import dev.jwasmnn.testing.TestAssets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A 640x480 JPEG to a 1x3x224x224 tensor (shorter side 256, centre crop, ImageNet
 * normalisation) three ways, in one run: the host's OpenCV image step; the same steps in pure Rust
 * (benchmarks/rust-preprocess) inside a compiled Chicory guest, per preprocessing in a running
 * guest and per fresh instance; and that Rust natively. Host and guest alternate call by call.
 *
 * <p>Run with {@code benchmarks/run.sh --preprocess [ROUNDS]}.
 */
public final class PreprocessComparison {

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Path root = TestAssets.root();
        Path wasm = root.resolve("benchmarks/rust-preprocess/target/wasm32-wasi/release/rust-preprocess.wasm");
        Path nativeBinary = root.resolve("benchmarks/rust-preprocess/target/release/rust-preprocess");
        byte[] jpeg = TestAssets.bytes(TestAssets.model("photo-640x480.jpg"));
        StepOptions options = new StepOptions("image", Map.of("size", 224, "resize", "crop"), root);
        ImagePreprocessor host = ImagePreprocessor.from(options);
        try (Fixture f = new Fixture()) {
            GuestModule guest = f.runner.compile(wasm);
            float[] hostTensor = floats(host.apply(jpeg, "image/jpeg", new StepContext()).get(0).toByteArray());
            float[] guestTensor = floats(run(f, guest, jpeg, 1).stdout());
            System.out.printf("tensors: host vs Rust guest max |diff| %.4f (different JPEG decoders)%n",
                    maxDiff(hostTensor, guestTensor));
            int repeat = 10;
            for (int i = 0; i < 20; i++) {
                host.apply(jpeg, "image/jpeg", new StepContext());
                run(f, guest, jpeg, 1);
                run(f, guest, jpeg, repeat);
            }
            int n = rounds;
            double[] hostUs = new double[n];
            double[] freshUs = new double[n];
            double[] perUs = new double[Math.max(10, n / 5)];
            for (int i = 0; i < n; i++) {
                boolean hostFirst = (i % 4 == 0) || (i % 4 == 3);
                if (hostFirst) {
                    hostUs[i] = timeHost(host, jpeg);
                    freshUs[i] = timeGuest(f, guest, jpeg, 1);
                } else {
                    freshUs[i] = timeGuest(f, guest, jpeg, 1);
                    hostUs[i] = timeHost(host, jpeg);
                }
            }
            for (int i = 0; i < perUs.length; i++) {
                perUs[i] = timeGuest(f, guest, jpeg, repeat) / repeat;
            }
            double[] nativeRuns = new double[3];
            for (int i = 0; i < nativeRuns.length; i++) {
                nativeRuns[i] = nativeMedian(nativeBinary, jpeg, Math.max(50, n / 2));
            }
            double hostP50 = PairedComparison.quantile(hostUs, 0.5);
            System.out.printf("%-58s %10s %10s %10s%n", "path (640x480 JPEG -> 1x3x224x224 f32)", "p50 µs", "p25 µs", "p75 µs");
            row("host: OpenCV image step (jwasm-nn)", hostUs);
            row("guest: pure Rust in Chicory, per call in a running guest", perUs);
            row("guest: pure Rust in Chicory, fresh instance per image", freshUs);
            Arrays.sort(nativeRuns);
            System.out.printf("%-58s %10.0f %10.0f %10.0f%n", "native: the same Rust, x86-64 (3 runs' medians)",
                    nativeRuns[1], nativeRuns[0], nativeRuns[2]);
            double[] ratio = new double[n];
            for (int i = 0; i < n; i++) {
                ratio[i] = freshUs[i] / hostUs[i];
            }
            System.out.printf("guest (fresh instance) / host, paired: median %.2f (IQR %.2f-%.2f)%n",
                    PairedComparison.quantile(ratio, 0.5), PairedComparison.quantile(ratio, 0.25), PairedComparison.quantile(ratio, 0.75));
            System.out.printf("guest (running) / host: %.2f; native Rust / host: %.2f%n",
                    PairedComparison.quantile(perUs, 0.5) / hostP50, nativeRuns[1] / hostP50);
        }
    }

    private static void row(String name, double[] us) {
        System.out.printf("%-58s %10.0f %10.0f %10.0f%n", name, PairedComparison.quantile(us, 0.5), PairedComparison.quantile(us, 0.25), PairedComparison.quantile(us, 0.75));
    }

    private static double timeHost(ImagePreprocessor host, byte[] jpeg) {
        long t = System.nanoTime();
        Tensor out = host.apply(jpeg, "image/jpeg", new StepContext()).get(0);
        if (out.byteLength() != 3 * 224 * 224 * 4) {
            throw new IllegalStateException("unexpected tensor");
        }
        return (System.nanoTime() - t) / 1000.0;
    }

    private static double timeGuest(Fixture f, GuestModule guest, byte[] jpeg, int repeat) {
        long t = System.nanoTime();
        run(f, guest, jpeg, repeat);
        return (System.nanoTime() - t) / 1000.0;
    }

    private static GuestResult run(Fixture f, GuestModule guest, byte[] jpeg, int repeat) {
        GuestResult r = f.runner.run(guest, GuestInvocation.builder()
                .args("rust-preprocess.wasm", "--repeat", Integer.toString(repeat)).stdin(jpeg).build());
        if (!r.succeeded()) {
            throw new IllegalStateException("guest failed: " + r + " " + r.stderrText());
        }
        return r;
    }

    private static double nativeMedian(Path binary, byte[] jpeg, int n) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(binary.toString(), "--bench", Integer.toString(n)).start();
        try (var in = p.getOutputStream()) {
            in.write(jpeg);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return Double.parseDouble(out);
    }

    private static float[] floats(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[raw.length / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return a.length == b.length ? m : Double.NaN;
    }

    private PreprocessComparison() {}
}
