package dev.jwasmnn.server;

import static dev.jwasmnn.server.TestServer.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

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
        String batch = """
                inputs: [{name: x, datatype: FP32, shape: [-1, 3, 224, 224]}]
                outputs: [{name: logits, datatype: FP32, shape: [-1, 1000]}]
                """;
        TestServer.model(repo, "mobilenet-pt-batch", "mobilenet_v2.pt", null, batch);
        TestServer.model(repo, "mobilenet-pt-quick", "mobilenet_v2.pt", null, batch + "deadline: 300ms\n");
        TestServer.model(repo, "mobilenet-pt-guest-quick", "mobilenet_v2.pt", "raw-infer", batch + """
                deadline: 300ms
                concurrency: 1
                in_flight: 1
                max_queue: 0
                guest:
                  args: ["--preloaded", "{model}", "--encoding", "pytorch", "--type", "f32", "--shape", "%d,3,224,224"]
                  memory: 512MiB
                """.formatted(BATCH));
        t = new TestServer(repo, s -> s);
    }

    /** Images in the batch whose forward pass must outlast a 300 ms deadline by far. */
    private static final int BATCH = 16;

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
    void anUndescribedTorchScriptModelSaysHowToDescribeIt() throws Exception {
        JsonNode status = JSON.readTree(t.send(java.net.http.HttpRequest.newBuilder(
                t.admin("/v2/repository/models/multi-io-pt/status")).GET().build()).body());
        assertThat(status.get("state").asText()).isEqualTo("READY");
        assertThat(status.get("warning").asText()).contains("inputs and outputs are not described: declare them in config.yaml");
        JsonNode described = JSON.readTree(t.send(java.net.http.HttpRequest.newBuilder(
                t.admin("/v2/repository/models/mobilenet-pt/status")).GET().build()).body());
        assertThat(described.has("warning")).isFalse();
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

    @Test
    void theDeadlineAnswersOnTimeThoughLibtorchCannotStopAForwardPass() {
        byte[] one = TestAssets.bytes(TestAssets.model("mobilenet_v2.input.f32"));
        byte[] batch = new byte[one.length * BATCH];
        for (int i = 0; i < BATCH; i++) {
            System.arraycopy(one, 0, batch, i * one.length, one.length);
        }
        long start = System.nanoTime();
        HttpResponse<byte[]> full = t.post("/v2/models/mobilenet-pt-batch/infer", batch, "Inference-Header-Content-Length", "0");
        long fullMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(full.statusCode()).as(text(full)).isEqualTo(200);
        assumeThat(fullMillis).as("the forward pass must outlast the 300 ms deadline by far for this test to mean anything")
                .isGreaterThan(1200);

        // Through the protocol: 504 at the deadline, the forward pass left to end on its own.
        start = System.nanoTime();
        HttpResponse<byte[]> direct = t.post("/v2/models/mobilenet-pt-quick/infer", batch, "Inference-Header-Content-Length", "0");
        long directMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(direct.statusCode()).as(text(direct)).isEqualTo(504);
        assertThat(directMillis).as("answered %d ms after a forward pass of %d ms", directMillis, fullMillis)
                .isLessThan(Math.min(1000, fullMillis / 2));

        // Through a guest: the same, the guest left to end when its compute returns.
        start = System.nanoTime();
        HttpResponse<byte[]> guest = t.post("/v1/infer/mobilenet-pt-guest-quick", batch);
        long guestMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(guest.statusCode()).as(text(guest)).isEqualTo(504);
        assertThat(guestMillis).as("answered %d ms after a forward pass of %d ms", guestMillis, fullMillis)
                .isLessThan(Math.min(1200, fullMillis / 2 + 200));
        // The abandoned run still holds its place in flight (the only one): the next request is
        // refused rather than started beside it, so timed-out work cannot pile up.
        HttpResponse<byte[]> next = t.post("/v1/infer/mobilenet-pt-guest-quick", batch);
        assertThat(next.statusCode()).as(text(next)).isEqualTo(503);

        // The abandoned passes held their turns to the end and freed nothing under themselves:
        // once they are done, the model answers again.
        awaitGauge("jwasmnn_computing", "mobilenet-pt-quick");
        awaitGauge("jwasmnn_computing", "mobilenet-pt-guest-quick");
        awaitGauge("jwasmnn_inflight", "mobilenet-pt-guest-quick");
        HttpResponse<byte[]> after = t.post("/v2/models/mobilenet-pt-quick/infer", one, "Inference-Header-Content-Length", "0");
        assertThat(after.statusCode()).as(text(after)).isEqualTo(200);
        assertThat(TestServer.outputFloats(after)).hasSize(1000);
    }

    /** Waits until the model's gauge reads 0. */
    private static void awaitGauge(String name, String model) {
        long until = System.nanoTime() + 60_000_000_000L;
        String gauge = name + "{model=\"" + model + "\"";
        while (System.nanoTime() < until) {
            for (String line : text(t.get("/metrics")).split("\n")) {
                if (line.startsWith(gauge) && Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) == 0) {
                    return;
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError(name + " of " + model + " not 0 after 60 s");
    }
}
