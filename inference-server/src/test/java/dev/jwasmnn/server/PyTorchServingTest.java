package dev.jwasmnn.server;

import static dev.jwasmnn.server.TestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.testing.ReferenceSet;
import dev.jwasmnn.testing.TensorAssert;
import dev.jwasmnn.testing.TestAssets;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TorchScript models served without a guest over the Open Inference Protocol: tuple outputs of
 * every dtype come back as OUTPUT__0..5 (Triton's PyTorch naming) with torch's values; a config
 * that declares the inputs and outputs gives the metadata, the raw binary form and warm-up.
 */
class PyTorchServingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path repo;
    static TestServer t;

    @BeforeAll
    static void start() {
        TestServer.model(repo, "multi-io-pt", "multi_io.pt", null, null);
        TestServer.model(repo, "mobilenet-pt", "mobilenet_v2.pt", null, """
                inputs: [{name: x, datatype: FP32, shape: [1, 3, 224, 224]}]
                outputs: [{name: logits, datatype: FP32, shape: [1, 1000]}]
                """);
        t = new TestServer(repo, s -> s);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void everyDtypeInAndTheFlattenedTupleOutOverJson() throws Exception {
        ReferenceSet ref = ReferenceSet.load("multi_io");
        ObjectNode request = JSON.createObjectNode();
        ArrayNode inputs = request.putArray("inputs");
        for (ReferenceSet.Named in : ref.inputs()) {
            Tensor tensor = in.tensor();
            ObjectNode node = inputs.addObject();
            node.put("name", in.name());
            node.put("datatype", tensor.type().datatype());
            ArrayNode shape = node.putArray("shape");
            for (long d : tensor.shape()) {
                shape.add(d);
            }
            ArrayNode data = node.putArray("data");
            boolean integral = tensor.type().datatype().contains("INT");
            for (double v : TensorAssert.toDoubles(tensor.type(), tensor.toByteArray())) {
                if (integral) {
                    data.add((long) v);
                } else {
                    data.add(v);
                }
            }
        }
        HttpResponse<byte[]> r = t.post("/v2/models/multi-io-pt/infer", JSON.writeValueAsBytes(request));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode outputs = JSON.readTree(r.body()).get("outputs");
        List<ReferenceSet.Named> expected = ref.outputs();
        assertThat(outputs).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            Tensor want = expected.get(i).tensor();
            JsonNode got = outputs.get(i);
            assertThat(got.get("name").asText()).isEqualTo("OUTPUT__" + i);
            assertThat(got.get("datatype").asText()).isEqualTo(want.type().datatype());
            double[] values = TensorAssert.toDoubles(want.type(), want.toByteArray());
            assertThat(got.get("data")).hasSize(values.length);
            for (int k = 0; k < values.length; k++) {
                assertThat(got.get("data").get(k).asDouble()).as("%s[%d]", expected.get(i).name(), k)
                        .isCloseTo(values[k], org.assertj.core.data.Offset.offset(1e-3));
            }
        }
    }

    @Test
    void inputsTheModuleRejectsAre400AndTheModelKeepsServing() throws Exception {
        HttpResponse<byte[]> r = t.post("/v2/models/mobilenet-pt/infer",
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}");
        assertThat(r.statusCode()).as("the config's declared shape is checked first").isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("error").asText()).contains("expects shape");
        HttpResponse<byte[]> missing = t.post("/v2/models/multi-io-pt/infer",
                "{\"inputs\":[{\"name\":\"a_f32\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(missing.body()).get("error").asText()).contains("missing").contains("b_i64");
        assertThat(t.post("/v2/models/mobilenet-pt/infer", TestAssets.bytes(TestAssets.model("mobilenet_v2.input.f32")),
                "Inference-Header-Content-Length", "0").statusCode()).isEqualTo(200);
    }

    @Test
    void declaredMetadataServesTheRawBinaryFormAndMatchesTorch() throws Exception {
        JsonNode meta = JSON.readTree(t.get("/v2/models/mobilenet-pt").body());
        assertThat(meta.get("platform").asText()).contains("pytorch");
        assertThat(meta.get("inputs").get(0).get("name").asText()).isEqualTo("x");
        assertThat(meta.get("inputs").get(0).get("datatype").asText()).isEqualTo("FP32");
        assertThat(meta.get("outputs").get(0).get("name").asText()).isEqualTo("logits");
        HttpResponse<byte[]> r = t.post("/v2/models/mobilenet-pt/infer",
                TestAssets.bytes(TestAssets.model("mobilenet_v2.input.f32")), "Inference-Header-Content-Length", "0");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        float[] logits = TestServer.outputFloats(r);
        float[] torch = TestAssets.floats(TestAssets.model("mobilenet_v2.torch.f32"));
        assertThat(TensorAssert.maxAbsDiff(logits, torch)).isLessThanOrEqualTo(1e-4);
    }
}
