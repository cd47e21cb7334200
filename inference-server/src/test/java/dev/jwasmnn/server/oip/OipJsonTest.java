package dev.jwasmnn.server.oip;

import static dev.jwasmnn.server.oip.TestBodies.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jwasmnn.nn.TensorSpec;
import dev.jwasmnn.nn.TensorType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OipJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void errorJsonEscapes() throws Exception {
        String message = "input 'x' \"quoted\"\n\\ é \u0001";

        byte[] json = OipJson.errorJson(message);

        assertThat(MAPPER.readTree(json).get("error").asText()).isEqualTo(message);
        assertThat(new String(json, StandardCharsets.UTF_8)).startsWith("{\"error\":\"input 'x' \\\"quoted\\\"\\n");
    }

    @Test
    void modelMetadata() throws Exception {
        List<TensorSpec> inputs = List.of(
                spec("image", TensorType.F32, -1, 3, 224, 224), new TensorSpec("text", null, "string", new long[] {-1}));
        List<TensorSpec> outputs = List.of(
                spec("probs", TensorType.F16, -1, 1000), new TensorSpec("flag", null, "bool", new long[] {1}));

        JsonNode root = MAPPER.readTree(ModelMetadataEncoder.encode("resnet", List.of("1", "2"), "onnx", inputs, outputs));

        assertThat(root.get("name").asText()).isEqualTo("resnet");
        assertThat(root.get("versions").toString()).isEqualTo("[\"1\",\"2\"]");
        assertThat(root.get("platform").asText()).isEqualTo("onnx");
        assertThat(root.get("inputs").toString()).isEqualTo(
                "[{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[-1,3,224,224]},"
                        + "{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[-1]}]");
        assertThat(root.get("outputs").get(0).get("datatype").asText()).isEqualTo("FP16");
        assertThat(root.get("outputs").get(1).get("datatype").asText()).isEqualTo("BOOL");
    }

    @Test
    void datatypeMapping() {
        for (OipDatatype d : OipDatatype.values()) {
            assertThat(OipDatatype.of(d.tensorType())).isEqualTo(d);
            assertThat(OipDatatype.parse(d.name(), "x")).isEqualTo(d);
        }
        assertThatThrownBy(() -> OipDatatype.parse("BOOL", "flag"))
                .isInstanceOf(OipException.class)
                .hasMessage("input 'flag' has unsupported datatype BOOL; supported datatypes are"
                        + " FP16, FP32, FP64, UINT8, INT32, INT64");
        assertThat(new OipException("x").status()).isEqualTo(400);
    }
}
