package dev.jwasmnn.server.oip;

import static dev.jwasmnn.server.oip.TestBodies.decodeJson;
import static dev.jwasmnn.server.oip.TestBodies.doubles;
import static dev.jwasmnn.server.oip.TestBodies.floats;
import static dev.jwasmnn.server.oip.TestBodies.halves;
import static dev.jwasmnn.server.oip.TestBodies.ints;
import static dev.jwasmnn.server.oip.TestBodies.longs;
import static dev.jwasmnn.server.oip.TestBodies.spec;
import static dev.jwasmnn.server.oip.TestBodies.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorSpec;
import dev.jwasmnn.nn.TensorType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class InferResponseEncoderTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String ANY_INPUT = "{'name':'x','shape':[1],'datatype':'FP32','data':[1]}";

    private static final List<TensorSpec> SPECS = List.of(
            spec("probs", TensorType.F32, 1, 3), spec("label", TensorType.I64, 1), spec("mask", TensorType.U8, 2, 2));
    private static final List<Tensor> OUTPUTS = List.of(
            tensor(TensorType.F32, new long[] {1, 3}, floats(0.25f, 0.5f, 0.125f)),
            tensor(TensorType.I64, new long[] {1}, longs(9007199254740993L)),
            tensor(TensorType.U8, new long[] {2, 2}, new byte[] {0, 1, (byte) 200, (byte) 255}));

    private static InferRequest request(String extra) {
        return decodeJson("{'inputs':[" + ANY_INPUT + "]" + extra + "}");
    }

    private static JsonNode parse(byte[] json) throws IOException {
        return MAPPER.readTree(json);
    }

    @Test
    void plainJsonResponse() throws IOException {
        EncodedResponse r = InferResponseEncoder.encode("resnet", "3", request(",'id':'abc'"), SPECS, OUTPUTS);

        assertThat(r.contentType()).isEqualTo("application/json");
        assertThat(r.inferenceHeaderLength()).isEmpty();
        JsonNode root = parse(r.toByteArray());
        assertThat(root.get("model_name").asText()).isEqualTo("resnet");
        assertThat(root.get("model_version").asText()).isEqualTo("3");
        assertThat(root.get("id").asText()).isEqualTo("abc");
        JsonNode outputs = root.get("outputs");
        assertThat(outputs).hasSize(3);
        JsonNode probs = outputs.get(0);
        assertThat(probs.get("name").asText()).isEqualTo("probs");
        assertThat(probs.get("datatype").asText()).isEqualTo("FP32");
        assertThat(probs.get("shape").toString()).isEqualTo("[1,3]");
        assertThat(probs.get("data").toString()).isEqualTo("[0.25,0.5,0.125]");
        assertThat(probs.has("parameters")).isFalse();
        assertThat(outputs.get(1).get("data").get(0).asLong()).isEqualTo(9007199254740993L);
        assertThat(outputs.get(2).get("data").toString()).isEqualTo("[0,1,200,255]");
        assertThat(outputs.get(2).get("shape").toString()).isEqualTo("[2,2]");
    }

    @Test
    void omitsIdAndVersionWhenAbsent() throws IOException {
        EncodedResponse r = InferResponseEncoder.encode("m", null, request(""), SPECS, OUTPUTS);

        JsonNode root = parse(r.toByteArray());
        assertThat(root.has("id")).isFalse();
        assertThat(root.has("model_version")).isFalse();
    }

    @Test
    void requestedSubsetInRequestedOrder() throws IOException {
        InferRequest req = request(",'outputs':[{'name':'mask'},{'name':'probs'}]");

        JsonNode root = parse(InferResponseEncoder.encode("m", null, req, SPECS, OUTPUTS).toByteArray());

        assertThat(root.get("outputs").findValuesAsText("name")).containsExactly("mask", "probs");
    }

    @Test
    void unknownRequestedOutput() {
        InferRequest req = request(",'outputs':[{'name':'nope'}]");

        assertThatThrownBy(() -> InferResponseEncoder.encode("m", null, req, SPECS, OUTPUTS))
                .isInstanceOf(OipException.class)
                .hasMessage("unknown output 'nope'; the model's outputs are [probs, label, mask]");
    }

    @Test
    void binaryLayoutHeaderThenBytesInOutputOrder() throws IOException {
        InferRequest req = request(",'outputs':[{'name':'mask','parameters':{'binary_data':true}},{'name':'label'},"
                + "{'name':'probs','parameters':{'binary_data':true}}]");

        EncodedResponse r = InferResponseEncoder.encode("m", "1", req, SPECS, OUTPUTS);

        assertThat(r.contentType()).isEqualTo("application/octet-stream");
        int headerLength = r.inferenceHeaderLength().orElseThrow();
        byte[] body = r.toByteArray();
        assertThat(r.contentLength()).isEqualTo(body.length).isEqualTo(headerLength + 4 + 12);
        JsonNode outputs = parse(Arrays.copyOf(body, headerLength)).get("outputs");
        assertThat(outputs.get(0).get("parameters").get("binary_data_size").asInt()).isEqualTo(4);
        assertThat(outputs.get(0).has("data")).isFalse();
        assertThat(outputs.get(1).get("data").get(0).asLong()).isEqualTo(9007199254740993L);
        assertThat(outputs.get(2).get("parameters").get("binary_data_size").asInt()).isEqualTo(12);
        assertThat(Arrays.copyOfRange(body, headerLength, headerLength + 4)).containsExactly(0, 1, 200, 255);
        assertThat(Arrays.copyOfRange(body, headerLength + 4, body.length)).isEqualTo(floats(0.25f, 0.5f, 0.125f));

        ByteArrayOutputStream streamed = new ByteArrayOutputStream();
        r.writeTo(streamed);
        assertThat(streamed.toByteArray()).isEqualTo(body);
    }

    @Test
    void requestLevelBinaryDefaultAppliesToAllOutputs() throws IOException {
        EncodedResponse r = InferResponseEncoder.encode(
                "m", null, request(",'parameters':{'binary_data_output':true}"), SPECS, OUTPUTS);

        int headerLength = r.inferenceHeaderLength().orElseThrow();
        assertThat(r.contentLength()).isEqualTo(headerLength + 12 + 8 + 4);
        assertThat(r.body()).hasSize(4);
    }

    @Test
    void rawRequestWithOneOutputGetsTritonsBinaryForm() throws IOException {
        // What Triton answers a raw request, and what KServe's client parses: a JSON header that
        // names the output and gives the shape it took, then its bytes.
        InferRequest raw = InferRequestDecoder.decode(floats(1, 2), OptionalInt.of(0), List.of(spec("in", TensorType.F32, 2)));
        Tensor out = tensor(TensorType.I32, new long[] {2}, ints(5, 6));

        EncodedResponse r = InferResponseEncoder.encode("m", "1", raw, List.of(spec("y", TensorType.I32, -1)), List.of(out));

        assertThat(r.contentType()).isEqualTo("application/octet-stream");
        int headerLength = r.inferenceHeaderLength().orElseThrow();
        assertThat(headerLength).isPositive();
        byte[] body = r.toByteArray();
        JsonNode header = parse(Arrays.copyOf(body, headerLength));
        assertThat(header.get("model_name").asText()).isEqualTo("m");
        JsonNode y = header.get("outputs").get(0);
        assertThat(y.get("name").asText()).isEqualTo("y");
        assertThat(y.get("datatype").asText()).isEqualTo("INT32");
        assertThat(y.get("shape").toString()).isEqualTo("[2]");
        assertThat(y.get("parameters").get("binary_data_size").asInt()).isEqualTo(8);
        assertThat(Arrays.copyOfRange(body, headerLength, body.length)).isEqualTo(ints(5, 6));
    }

    @Test
    void rawRequestWithSeveralOutputsGetsTheBinaryForm() throws IOException {
        InferRequest raw = InferRequestDecoder.decode(floats(1, 2), OptionalInt.of(0), List.of(spec("in", TensorType.F32, 2)));

        EncodedResponse r = InferResponseEncoder.encode("m", null, raw, SPECS, OUTPUTS);

        int headerLength = r.inferenceHeaderLength().orElseThrow();
        assertThat(headerLength).isPositive();
        JsonNode outputs = parse(Arrays.copyOf(r.toByteArray(), headerLength)).get("outputs");
        assertThat(outputs.findValuesAsText("name")).containsExactly("probs", "label", "mask");
        assertThat(outputs.findValues("data")).isEmpty();
        assertThat(r.contentLength()).isEqualTo(headerLength + 24);
    }

    /** Decode a request carrying the type, run it back out through the encoder, compare bytes. */
    @ParameterizedTest
    @EnumSource(OipDatatype.class)
    void jsonAndBinaryRoundTripForEveryType(OipDatatype datatype) throws IOException {
        byte[] bytes = switch (datatype) {
            case FP16 -> halves(1.5f, -0.0999755859375f, 65504f);
            case FP32 -> floats(1.1f, -3.4028235e38f, 1.4e-45f);
            case FP64 -> doubles(0.1, -1e300, Double.MIN_VALUE);
            case UINT8 -> new byte[] {0, 127, (byte) 255};
            case INT32 -> ints(Integer.MIN_VALUE, -1, Integer.MAX_VALUE);
            case INT64 -> longs(Long.MIN_VALUE, (1L << 53) + 1, Long.MAX_VALUE);
        };
        TensorType type = datatype.tensorType();
        Tensor original = tensor(type, new long[] {3}, bytes);
        List<TensorSpec> specs = List.of(spec("t", type, 3));

        // Encode as JSON, feed the JSON data back in as a request, and expect identical bytes.
        EncodedResponse asJson = InferResponseEncoder.encode("m", null, request(""), specs, List.of(original));
        JsonNode out = parse(asJson.toByteArray()).get("outputs").get(0);
        assertThat(out.get("datatype").asText()).isEqualTo(datatype.name());
        String requestJson = "{\"inputs\":[{\"name\":\"t\",\"shape\":[3],\"datatype\":\"" + datatype
                + "\",\"data\":" + out.get("data") + "}]}";
        InferRequest back = InferRequestDecoder.decode(TestBodies.utf8(requestJson), OptionalInt.empty(), List.of());
        assertThat(back.inputs().get(0).tensor().toByteArray()).isEqualTo(bytes);

        // Binary: header plus the same bytes, which decode back unchanged.
        EncodedResponse asBinary = InferResponseEncoder.encode(
                "m", null, request(",'parameters':{'binary_data_output':true}"), specs, List.of(original));
        byte[] body = asBinary.toByteArray();
        int headerLength = asBinary.inferenceHeaderLength().orElseThrow();
        assertThat(Arrays.copyOfRange(body, headerLength, body.length)).isEqualTo(bytes);
        String binaryRequest = "{\"inputs\":[{\"name\":\"t\",\"shape\":[3],\"datatype\":\"" + datatype
                + "\",\"parameters\":{\"binary_data_size\":" + bytes.length + "}}]}";
        byte[] reqHeader = TestBodies.utf8(binaryRequest);
        InferRequest binBack = InferRequestDecoder.decode(
                TestBodies.concat(reqHeader, bytes), OptionalInt.of(reqHeader.length), List.of());
        assertThat(binBack.inputs().get(0).tensor().toByteArray()).isEqualTo(bytes);
    }

    @Test
    void nonFiniteFloatsBecomeStrings() throws IOException {
        List<TensorSpec> specs = List.of(spec("t", TensorType.F32, 2));
        Tensor t = tensor(TensorType.F32, new long[] {2}, floats(Float.NaN, Float.NEGATIVE_INFINITY));

        JsonNode data = parse(InferResponseEncoder.encode("m", null, request(""), specs, List.of(t)).toByteArray())
                .get("outputs").get(0).get("data");

        assertThat(data.toString()).isEqualTo("[\"NaN\",\"-Infinity\"]");
    }
}
