package dev.jwasmnn.nn.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwasmnn.nn.ExecutionTarget;
import dev.jwasmnn.nn.GraphEncoding;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreloadSpecTest {
    @TempDir
    Path dir;

    @Test
    void parsesWasmEdgeSyntaxCaseInsensitively() throws Exception {
        Path a = Files.writeString(dir.resolve("a.onnx"), "x");
        Path b = Files.writeString(dir.resolve("b.bin"), "y");
        PreloadSpec s = PreloadSpec.parse("mobilenet:onnx:Auto:" + a + ":" + b);
        assertThat(s.name()).isEqualTo("mobilenet");
        assertThat(s.encoding()).isEqualTo(GraphEncoding.ONNX);
        assertThat(s.target()).isEqualTo(ExecutionTarget.AUTO);
        assertThat(s.paths()).containsExactly(a, b);
        assertThat(PreloadSpec.parse("m:PyTorch:GPU:" + a).encoding()).isEqualTo(GraphEncoding.PYTORCH);
    }

    @Test
    void explainsWhatIsWrong() throws Exception {
        Path a = Files.writeString(dir.resolve("a.onnx"), "x");
        assertThatThrownBy(() -> PreloadSpec.parse("mobilenet:ONNX:CPU"))
                .hasMessageContaining("must be NAME:ENCODING:TARGET:PATH");
        assertThatThrownBy(() -> PreloadSpec.parse(":ONNX:CPU:" + a)).hasMessageContaining("name is empty");
        assertThatThrownBy(() -> PreloadSpec.parse("m:ONNXX:CPU:" + a))
                .hasMessageContaining("unknown graph encoding 'ONNXX'")
                .hasMessageContaining("PyTorch");
        assertThatThrownBy(() -> PreloadSpec.parse("m:ONNX:NPU:" + a))
                .hasMessageContaining("unknown execution target 'NPU'");
        assertThatThrownBy(() -> PreloadSpec.parse("m:ONNX:CPU:" + dir.resolve("missing.onnx")))
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> PreloadSpec.parse("m:ONNX:CPU:" + a + ":"))
                .hasMessageContaining("empty model path");
    }
}
