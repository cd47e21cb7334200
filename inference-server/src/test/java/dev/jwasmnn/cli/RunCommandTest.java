package dev.jwasmnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jwasmnn.testing.TestAssets;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jwasm-nn run}: WasmEdge's syntax, exit codes, and clear errors before any guest code runs. */
class RunCommandTest {
    static Path probe;
    static Path onnx;

    @TempDir
    Path dir;

    @BeforeAll
    static void assets() {
        probe = TestAssets.guest("guest-probe");
        onnx = TestAssets.model("tiny.onnx");
    }

    record Result(int exitCode, String err) {}

    /** In-process, for failures that happen before the guest runs (nothing reaches stdout). */
    static Result cli(String... args) {
        StringWriter err = new StringWriter();
        var cli = Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, err.toString());
    }

    /** A guest invocation that would leave a mark in {@code dir} if it ran. */
    String[] marking(String... before) {
        String[] tail = {probe.toString(), "write", "/out/ran.txt", "it ran"};
        String[] all = new String[before.length + tail.length];
        System.arraycopy(before, 0, all, 0, before.length);
        System.arraycopy(tail, 0, all, before.length, tail.length);
        return all;
    }

    void assertRefused(Result r, String message) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(RunCommand.EXIT_USAGE);
        assertThat(r.err()).contains(message);
        assertThat(dir.resolve("ran.txt")).as("the guest must not have run").doesNotExist();
    }

    @Test
    void theMarkingGuestRunsWhenNothingIsWrong() {
        Result r = cli(marking("run", "--dir", "/out:" + dir, "--nn-preload", "tiny:ONNX:CPU:" + onnx));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(dir.resolve("ran.txt")).hasContent("it ran");
    }

    @Test
    void badFlagsAndSpecsAreRefusedBeforeTheGuestRuns() {
        String out = "/out:" + dir;
        assertRefused(cli(marking("run", "--dir", out, "--bogus")), "Unknown option: '--bogus'");
        assertRefused(cli(marking("run", "--dir", out, "--nn-preload", "m:ONNXX:CPU:" + onnx)),
                "unknown graph encoding 'ONNXX'");
        assertRefused(cli(marking("run", "--dir", out, "--nn-preload", "m:ONNX:QPU:" + onnx)),
                "unknown execution target 'QPU'");
        assertRefused(cli(marking("run", "--dir", out, "--nn-preload", "m:ONNX:CPU:" + dir.resolve("none.onnx"))),
                "does not exist");
        assertRefused(cli(marking("run", "--dir", out, "--nn-preload", "m:ONNX")), "NAME:ENCODING:TARGET:PATH");
        assertRefused(cli(marking("run", "--dir", "/x:" + dir.resolve("missing"))), "is not a directory");
        assertRefused(cli(marking("run", "--dir", out, "--env", "NOEQUALS")), "must be NAME=VALUE");
        assertRefused(cli(marking("run", "--dir", out, "--timeout", "soon")), "is not a duration");
        assertRefused(cli(marking("run", "--dir", out, "--memory-limit", "9g")), "memory limit must be");
        assertRefused(cli(marking("run", "--dir", out, "--tensor-numbering", "v3")), "legacy or current");
        assertRefused(cli("run", dir.resolve("missing.wasm").toString()), "does not exist or is not readable");
    }

    @Test
    void modelsAndModulesThatCannotLoadAreRefusedBeforeTheGuestRuns() throws Exception {
        Path corrupt = Files.write(dir.resolve("corrupt.onnx"), new byte[] {1, 2, 3});
        assertRefused(cli(marking("run", "--dir", "/out:" + dir, "--nn-preload", "m:ONNX:CPU:" + corrupt)),
                "cannot preload 'm'");
        Path notWasm = Files.writeString(dir.resolve("not.wasm"), "hello");
        assertRefused(cli("run", notWasm.toString()), "not a valid WebAssembly module");
        assertRefused(cli("run", TestAssets.guest("nn-abi-probe").toString()), "exports no _start");
    }

    @Test
    void exitCodesAndStreamsPassThrough() {
        CliProcess args = CliProcess.run(dir, "run", "--env", "A=1", probe.toString(), "args", "--preloaded", "x");
        assertThat(args.exitCode()).as(args.toString()).isZero();
        assertThat(args.stdout().trim()).isEqualTo("[\"" + probe + "\",\"args\",\"--preloaded\",\"x\"]");
        CliProcess exit = CliProcess.run(dir, "run", probe.toString(), "exit", "42");
        assertThat(exit.exitCode()).isEqualTo(42);
        CliProcess stderr = CliProcess.run(dir, "run", probe.toString(), "stderr", "to the terminal");
        assertThat(stderr.stderr()).contains("to the terminal");
        assertThat(stderr.stdout()).isEmpty();
    }

    @Test
    void rawTensorsGoThroughAGuestOnStdinAndStdout() {
        byte[] x = TestAssets.bytes(TestAssets.model("tiny.in.f32"));
        byte[] y = TestAssets.bytes(TestAssets.model("tiny.out.f32"));
        String guest = TestAssets.guest("raw-infer").toString();
        CliProcess once = CliProcess.run(dir, x, "run", "--nn-preload", "tiny:ONNX:CPU:" + onnx,
                guest, "--preloaded", "tiny", "--type", "f32", "--shape", "1,4");
        assertThat(once.exitCode()).as(once.toString()).isZero();
        assertThat(once.stdoutBytes()).as("torch's output, byte for byte").containsExactly(y);
        CliProcess repeated = CliProcess.run(dir, x, "run", "--dir", "/m:" + onnx.getParent(), guest,
                "--model", "/m/tiny.onnx", "--type", "f32", "--shape", "1,4", "--repeat", "3");
        assertThat(repeated.stdoutBytes()).containsExactly(y);
        CliProcess wrongSize = CliProcess.run(dir, new byte[12], "run", "--nn-preload", "tiny:ONNX:CPU:" + onnx,
                guest, "--preloaded", "tiny", "--type", "f32", "--shape", "1,4");
        assertThat(wrongSize.exitCode()).isEqualTo(2);
        assertThat(wrongSize.stderr()).contains("stdin has 12 bytes");
    }

    @Test
    void abnormalEndsHaveTheirOwnExitCodes() {
        Result loop = cli("run", "--timeout", "300ms", probe.toString(), "loop");
        assertThat(loop.exitCode()).isEqualTo(RunCommand.EXIT_DEADLINE);
        assertThat(loop.err()).contains("deadline of 300 ms");
        Result trap = cli("run", probe.toString(), "trap");
        assertThat(trap.exitCode()).isEqualTo(RunCommand.EXIT_ABORTED);
        assertThat(trap.err()).contains("trapped");
        Result grow = cli("run", "--memory-limit", "16m", probe.toString(), "grow");
        assertThat(grow.exitCode()).isEqualTo(RunCommand.EXIT_ABORTED);
        assertThat(grow.err()).contains("memory");
    }

    @Test
    void helpAndVersionWork() {
        assertThat(cli("--version").exitCode()).isZero();
        StringWriter out = new StringWriter();
        var cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        assertThat(cli.execute("run", "--help")).isZero();
        assertThat(out.toString()).contains("--nn-preload").contains("NAME:ENCODING:TARGET:PATH");
        // deploy has its own --version N: its help must still work, without --model.
        StringWriter deployOut = new StringWriter();
        var deploy = Main.commandLine();
        deploy.setOut(new PrintWriter(deployOut, true));
        assertThat(deploy.execute("deploy", "--help")).isZero();
        assertThat(deployOut.toString()).contains("--model=NAME").contains("--version=N");
    }
}
