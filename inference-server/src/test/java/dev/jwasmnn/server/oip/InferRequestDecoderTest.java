package dev.jwasmnn.server.oip;

import static dev.jwasmnn.server.oip.TestBodies.assertRejected;
import static dev.jwasmnn.server.oip.TestBodies.concat;
import static dev.jwasmnn.server.oip.TestBodies.decodeBinary;
import static dev.jwasmnn.server.oip.TestBodies.decodeJson;
import static dev.jwasmnn.server.oip.TestBodies.doubles;
import static dev.jwasmnn.server.oip.TestBodies.floats;
import static dev.jwasmnn.server.oip.TestBodies.halves;
import static dev.jwasmnn.server.oip.TestBodies.ints;
import static dev.jwasmnn.server.oip.TestBodies.json;
import static dev.jwasmnn.server.oip.TestBodies.longs;
import static dev.jwasmnn.server.oip.TestBodies.spec;
import static dev.jwasmnn.server.oip.TestBodies.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorType;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class InferRequestDecoderTest {

    /** datatype, JSON data, expected little-endian bytes. */
    static Stream<Arguments> everyType() {
        return Stream.of(
                Arguments.of("FP16", "[1.5, -2, 0.1, 65504]", halves(1.5f, -2f, 0.1f, 65504f)),
                Arguments.of("FP32", "[1.5, -3, 0.001, 3.4028235e38]", floats(1.5f, -3f, 0.001f, 3.4028235e38f)),
                Arguments.of("FP64", "[0.1, -1e300, 4.9e-324, 7]", doubles(0.1, -1e300, 4.9e-324, 7)),
                Arguments.of("UINT8", "[0, 1, 128, 255]", new byte[] {0, 1, (byte) 128, (byte) 255}),
                Arguments.of("INT32", "[-2147483648, 0, 7, 2147483647]", ints(Integer.MIN_VALUE, 0, 7, Integer.MAX_VALUE)),
                Arguments.of(
                        "INT64",
                        "[-9223372036854775808, 9007199254740993, -9007199254740993, 9223372036854775807]",
                        longs(Long.MIN_VALUE, 9007199254740993L, -9007199254740993L, Long.MAX_VALUE)));
    }

    @ParameterizedTest
    @MethodSource("everyType")
    void decodesJsonDataOfEveryType(String datatype, String data, byte[] expected) {
        InferRequest r = decodeJson("{'inputs':[{'name':'x','shape':[2,2],'datatype':'" + datatype + "','data':" + data + "}]}");

        Tensor t = r.inputs().get(0).tensor();
        assertThat(t.type()).isEqualTo(OipDatatype.valueOf(datatype).tensorType());
        assertThat(t.shape()).containsExactly(2, 2);
        assertThat(t.toByteArray()).isEqualTo(expected);
        assertThat(r.raw()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("everyType")
    void decodesBinaryDataOfEveryTypeWithoutCopying(String datatype, String ignored, byte[] expected) {
        byte[] header = utf8(json("{'inputs':[{'name':'x','shape':[4],'datatype':'" + datatype
                + "','parameters':{'binary_data_size':" + expected.length + "}}]}"));
        byte[] body = concat(header, expected);

        InferRequest r = InferRequestDecoder.decode(body, OptionalInt.of(header.length), List.of());

        Tensor t = r.inputs().get(0).tensor();
        assertThat(t.toByteArray()).isEqualTo(expected);
        body[header.length] ^= 1; // the tensor is a view of the body
        assertThat(t.data().get(0)).isEqualTo((byte) (expected[0] ^ 1));
    }

    @Test
    void nestedAndFlatDataGiveTheSameBytes() {
        InferRequest nested = decodeJson("{'inputs':[{'name':'x','shape':[2,3],'datatype':'INT32','data':[[1,2,3],[4,5,6]]}]}");
        InferRequest flat = decodeJson("{'inputs':[{'name':'x','shape':[2,3],'datatype':'INT32','data':[1,2,3,4,5,6]}]}");
        InferRequest odd = decodeJson("{'inputs':[{'name':'x','shape':[2,3],'datatype':'INT32','data':[[[1],[2,3]],4,[[5,[6]]]]}]}");

        assertThat(nested.inputs().get(0).tensor().toByteArray()).isEqualTo(ints(1, 2, 3, 4, 5, 6));
        assertThat(flat.inputs().get(0).tensor().toByteArray()).isEqualTo(ints(1, 2, 3, 4, 5, 6));
        assertThat(odd.inputs().get(0).tensor().toByteArray()).isEqualTo(ints(1, 2, 3, 4, 5, 6));
    }

    @Test
    void dataBeforeShapeAndDatatypeIsReadAfterwards() {
        InferRequest r = decodeJson("{'inputs':[{'data':[[1.5,2.5]],'x-ext':{'a':[1]},'datatype':'FP32','shape':[1,2],'name':'x'}]}");

        assertThat(r.inputs().get(0).name()).isEqualTo("x");
        assertThat(r.inputs().get(0).tensor().toByteArray()).isEqualTo(floats(1.5f, 2.5f));
    }

    @Test
    void deferredDataErrorsStillNameTheInput() {
        assertRejected("{'inputs':[{'data':[1,2],'datatype':'INT32','shape':[3],'name':'x'}]}")
                .hasMessage("input 'x': shape [3] needs 3 elements, got 2");
    }

    @Test
    void readsIdParametersAndRequestedOutputs() {
        InferRequest r = decodeJson("{'id':'req-7','outputs':[{'name':'b','parameters':{'binary_data':false}},{'name':'a'},"
                + "{'name':'c','parameters':{'binary_data':true}}],"
                + "'parameters':{'binary_data_output':true,'other':[1,{}]},'x-unknown':{'nested':[1,2]},"
                + "'inputs':[{'name':'x','shape':[],'datatype':'FP64','data':[2],'parameters':{'content_type':'x'}}]}");

        assertThat(r.id()).isEqualTo("req-7");
        assertThat(r.binaryOutputByDefault()).isTrue();
        assertThat(r.outputs()).containsExactly(
                new RequestedOutput("b", false), new RequestedOutput("a", true), new RequestedOutput("c", true));
        assertThat(r.inputs().get(0).shape()).isEmpty();
        assertThat(r.inputs().get(0).tensor().toByteArray()).isEqualTo(doubles(2));
    }

    @Test
    void absentOptionalsAndNullsMeanDefaults() {
        InferRequest r = decodeJson("{'id':null,'parameters':null,'outputs':null,"
                + "'inputs':[{'name':'x','shape':[1],'datatype':'UINT8','data':[3],'parameters':null}]}");

        assertThat(r.id()).isNull();
        assertThat(r.outputs()).isEmpty();
        assertThat(r.binaryOutputByDefault()).isFalse();
    }

    @Test
    void mixesJsonAndBinaryInputsInOrder() {
        InferRequest r = decodeBinary(
                "{'inputs':[{'name':'a','shape':[2],'datatype':'FP32','parameters':{'binary_data_size':8}},"
                        + "{'name':'b','shape':[1],'datatype':'INT64','data':[9007199254740993]},"
                        + "{'name':'c','shape':[3],'datatype':'UINT8','parameters':{'binary_data_size':3}}]}",
                floats(1f, 2f),
                new byte[] {7, 8, 9});

        assertThat(r.inputs()).extracting(RequestInput::name).containsExactly("a", "b", "c");
        assertThat(r.inputs().get(0).tensor().toByteArray()).isEqualTo(floats(1f, 2f));
        assertThat(r.inputs().get(1).tensor().toByteArray()).isEqualTo(longs(9007199254740993L));
        assertThat(r.inputs().get(2).tensor().toByteArray()).containsExactly(7, 8, 9);
    }

    @Test
    void decodesWithinAnOffsetRange() {
        byte[] header = utf8(json("{'inputs':[{'name':'x','shape':[1],'datatype':'INT32','parameters':{'binary_data_size':4}}]}"));
        byte[] body = concat(new byte[] {'{', '{'}, header, ints(42), new byte[] {'}', '}'});

        InferRequest r = InferRequestDecoder.decode(body, 2, header.length + 4, OptionalInt.of(header.length), List.of());

        assertThat(r.inputs().get(0).tensor().toByteArray()).isEqualTo(ints(42));
    }

    @Test
    void fp16ValuesRoundTripThroughHalfPrecision() {
        InferRequest r = decodeJson("{'inputs':[{'name':'x','shape':[3],'datatype':'FP16','data':[0.333, 1e-7, -65504]}]}");

        var data = r.inputs().get(0).tensor().data();
        assertThat(Float.float16ToFloat(data.getShort(0))).isEqualTo(0.33300781f);
        assertThat(Float.float16ToFloat(data.getShort(2))).isEqualTo(1.1920929e-7f); // nearest subnormal
        assertThat(Float.float16ToFloat(data.getShort(4))).isEqualTo(-65504f);
    }

    @Test
    void floatsBeyondTheTypesRangeAreRejected() {
        assertRejected("{'inputs':[{'name':'x','shape':[2],'datatype':'FP16','data':[1,70000]}]}")
                .hasMessage("input 'x': element 1 is 70000, out of range for FP16 (max magnitude 65504)");
        assertRejected("{'inputs':[{'name':'x','shape':[1],'datatype':'FP32','data':[-1e39]}]}")
                .hasMessage("input 'x': element 0 is -1e39, out of range for FP32 (max magnitude 3.4028235e38)");
        assertRejected("{'inputs':[{'name':'x','shape':[1],'datatype':'FP64','data':[1e999]}]}")
                .hasMessageContaining("element 0 is 1e999, out of range for FP64");
    }

    // --- raw form ---

    @Test
    void rawBodyIsTheSingleInputWithTheDynamicDimInferred() {
        byte[] body = floats(1, 2, 3, 4, 5, 6);

        InferRequest r = InferRequestDecoder.decode(
                body, OptionalInt.of(0), List.of(spec("image", TensorType.F32, -1, 3)));

        assertThat(r.raw()).isTrue();
        assertThat(r.binaryOutputByDefault()).isTrue();
        assertThat(r.id()).isNull();
        RequestInput in = r.inputs().get(0);
        assertThat(in.name()).isEqualTo("image");
        assertThat(in.type()).isEqualTo(TensorType.F32);
        assertThat(in.shape()).containsExactly(2, 3);
        assertThat(in.tensor().toByteArray()).isEqualTo(body);
    }

    @Test
    void rawBodyWithAFixedShape() {
        InferRequest r = InferRequestDecoder.decode(
                new byte[] {1, 2, 3}, OptionalInt.of(0), List.of(spec("x", TensorType.U8, 1, 3)));

        assertThat(r.inputs().get(0).shape()).containsExactly(1, 3);
    }

    @Test
    void rawBodyRejections() {
        assertThatThrownBy(() -> InferRequestDecoder.decode(
                        floats(1, 2), OptionalInt.of(0), List.of(spec("x", TensorType.F32, -1, -1))))
                .isInstanceOf(OipException.class)
                .hasMessageContaining("raw input 'x'")
                .hasMessageContaining("[-1, -1]")
                .hasMessageContaining("more than one dynamic dimension");
        assertThatThrownBy(() -> InferRequestDecoder.decode(
                        floats(1, 2), OptionalInt.of(0), List.of(spec("x", TensorType.F32, -1, 3))))
                .hasMessage("raw input 'x': 8 body bytes do not fill FP32 shape [-1, 3] (the other dimensions need"
                        + " multiples of 12 bytes)");
        assertThatThrownBy(() -> InferRequestDecoder.decode(
                        floats(1, 2), OptionalInt.of(0), List.of(spec("x", TensorType.F32, 1, 3))))
                .hasMessage("raw input 'x': FP32 shape [1, 3] needs 12 bytes, the body has 8");
        assertThatThrownBy(() -> InferRequestDecoder.decode(
                        floats(1), OptionalInt.of(0), List.of(spec("a", TensorType.F32, 1), spec("b", TensorType.F32, 1))))
                .hasMessageContaining("exactly one input")
                .hasMessageContaining("[a, b]");
    }

    // --- framing errors ---

    @Test
    void headerLengthBeyondTheBody() {
        assertThatThrownBy(() -> InferRequestDecoder.decode(utf8("{}"), OptionalInt.of(50), List.of()))
                .isInstanceOf(OipException.class)
                .hasMessage("Inference-Header-Content-Length 50 exceeds the body length 2");
        assertThatThrownBy(() -> InferRequestDecoder.decode(utf8("{}"), OptionalInt.of(-1), List.of()))
                .hasMessageContaining("must not be negative");
    }

    @Test
    void binaryPartsMustAddUpToTheRestOfTheBody() {
        String header = "{'inputs':[{'name':'a','shape':[2],'datatype':'FP32','parameters':{'binary_data_size':8}}]}";
        int headerLength = utf8(json(header)).length;

        assertThatThrownBy(() -> decodeBinary(header, floats(1)))
                .isInstanceOf(OipException.class)
                .hasMessage("the binary_data_size parameters add up to 8 bytes, but 4 bytes follow the "
                        + headerLength + "-byte JSON header");
        assertThatThrownBy(() -> decodeBinary(header, floats(1, 2, 3)))
                .hasMessageContaining("add up to 8 bytes, but 12 bytes follow");
        assertThatThrownBy(() -> decodeBinary(
                        "{'inputs':[{'name':'a','shape':[1],'datatype':'FP32','data':[1]}]}", new byte[] {0}))
                .hasMessageContaining("add up to 0 bytes, but 1 bytes follow");
    }

    @Test
    void binarySizeMustMatchTheShape() {
        assertThatThrownBy(() -> decodeBinary(
                        "{'inputs':[{'name':'a','shape':[1,3],'datatype':'FP32','parameters':{'binary_data_size':8}}]}",
                        floats(1, 2)))
                .hasMessage("input 'a': binary_data_size 8 does not match FP32 shape [1,3], which needs 12 bytes");
    }

    @Test
    void binaryDataNeedsTheHeaderLength() {
        assertRejected("{'inputs':[{'name':'a','shape':[1],'datatype':'FP32','parameters':{'binary_data_size':4}}]}")
                .hasMessageContaining("no Inference-Header-Content-Length header");
        byte[] body = concat(utf8("{\"inputs\":[]}"), floats(1));
        assertThatThrownBy(() -> InferRequestDecoder.decode(body, OptionalInt.empty(), List.of()))
                .hasMessageContaining("unexpected content after the request object")
                .hasMessageContaining("Inference-Header-Content-Length");
    }

    // --- JSON structure errors ---

    @Test
    void malformedJsonReportsTheLocation() {
        assertRejected("{'inputs':[{'name':'x',}]}")
                .hasMessageStartingWith("malformed JSON: ")
                .hasMessageContaining("line 1, column 24")
                .hasMessageNotContaining("REDACTED");
        assertRejected("{'inputs':[{'name':'x'").hasMessageStartingWith("malformed JSON: ");
        assertRejected("{'inputs':[{'name':'x'")
                .hasMessage("malformed JSON: Unexpected end-of-input: expected close marker for Object"
                        + " (start marker at line 1, column 12) at line 1, column 23");
        assertRejected("").hasMessage("the request body is empty");
        assertRejected("[1]").hasMessage("the request body must be a JSON object");
        assertRejected("{'id':'a','id':'b','inputs':[]}").hasMessageContaining("Duplicate field 'id'");
    }

    @Test
    void inputsMustBePresentAndNonEmpty() {
        assertRejected("{'id':'x'}").hasMessage("the request has no 'inputs'");
        assertRejected("{'inputs':[]}").hasMessage("'inputs' is empty");
        assertRejected("{'inputs':{}}").hasMessage("'inputs' must be an array");
        assertRejected("{'inputs':[3]}").hasMessage("inputs[0] must be an object");
    }

    @Test
    void eachInputNeedsNameShapeAndDatatype() {
        assertRejected("{'inputs':[{'shape':[1],'datatype':'FP32','data':[1]}]}").hasMessage("inputs[0] has no 'name'");
        assertRejected("{'inputs':[{'name':'x','datatype':'FP32','data':[1]}]}").hasMessage("input 'x' has no 'shape'");
        assertRejected("{'inputs':[{'name':'x','shape':[1],'data':[1]}]}").hasMessage("input 'x' has no 'datatype'");
        assertRejected("{'inputs':[{'name':'x','shape':[1],'datatype':'FP32'}]}")
                .hasMessage("input 'x' has neither 'data' nor a binary_data_size parameter");
    }

    @Test
    void wrongTypesForKnownKeys() {
        assertRejected("{'inputs':[{'name':3,'shape':[1],'datatype':'FP32','data':[1]}]}")
                .hasMessage("inputs[0]: 'name' must be a string");
        assertRejected("{'inputs':[{'name':'x','shape':'1','datatype':'FP32','data':[1]}]}")
                .hasMessage("input 'x': 'shape' must be an array of integers");
        assertRejected("{'inputs':[{'name':'x','shape':[1.5],'datatype':'FP32','data':[1]}]}")
                .hasMessage("input 'x': 'shape' must be an array of integers, found 1.5");
        assertRejected("{'inputs':[{'name':'x','shape':[1],'datatype':'FP32','data':1}]}")
                .hasMessage("input 'x': 'data' must be an array");
        assertRejected("{'id':5,'inputs':[]}").hasMessage("'id' must be a string");
        assertRejected("{'parameters':{'binary_data_output':'yes'},'inputs':[]}")
                .hasMessage("parameter 'binary_data_output' must be a boolean");
        assertRejected("{'outputs':[{'name':'y','parameters':{'binary_data':1}}],'inputs':[]}")
                .hasMessage("outputs[0]: parameter 'binary_data' must be a boolean");
        assertRejected("{'outputs':[{}],'inputs':[]}").hasMessage("outputs[0] has no 'name'");
        assertRejected("{'outputs':[{'name':'y'},{'name':'y'}],'inputs':[]}")
                .hasMessage("output 'y' is requested more than once");
        assertRejected("{'inputs':[{'name':'x','shape':[1],'datatype':'FP32','parameters':{'binary_data_size':-4}}]}")
                .hasMessage("input 'x': binary_data_size must be a non-negative integer, got -4");
    }

    @Test
    void negativeShapeAndDuplicateNamesAndBothDataKinds() {
        assertRejected("{'inputs':[{'name':'x','shape':[1,-3],'datatype':'FP32','data':[1]}]}")
                .hasMessage("input 'x': shape [1,-3] has a negative dimension");
        assertRejected("{'inputs':[{'name':'x','shape':[1],'datatype':'FP32','data':[1]},"
                        + "{'name':'x','shape':[1],'datatype':'FP32','data':[2]}]}")
                .hasMessage("input 'x' appears more than once");
        assertRejected("{'inputs':[{'name':'x','shape':[1],'datatype':'FP32','data':[1],'parameters':{'binary_data_size':4}}]}")
                .hasMessage("input 'x' has both 'data' and a binary_data_size parameter");
    }

    @Test
    void elementCountMustMatchTheShape() {
        assertRejected("{'inputs':[{'name':'x','shape':[1,3],'datatype':'FP32','data':[1,2]}]}")
                .hasMessage("input 'x': shape [1,3] needs 3 elements, got 2");
        assertRejected("{'inputs':[{'name':'x','shape':[2],'datatype':'FP32','data':[[1,2],[3]]}]}")
                .hasMessage("input 'x': shape [2] needs 2 elements, got 3");
    }

    @Test
    void aHugeShapeWithLittleDataIsRejectedWithoutAllocating() {
        assertRejected("{'inputs':[{'name':'x','shape':[1000000000,1000],'datatype':'FP64','data':[1,2]}]}")
                .hasMessage("input 'x': shape [1000000000,1000] needs 1000000000000 elements, got 2");
        assertRejected("{'inputs':[{'name':'x','shape':[9223372036854775807,2],'datatype':'FP64','data':[1,2]}]}")
                .hasMessageContaining("has too many elements");
    }

    @ParameterizedTest
    @ValueSource(strings = {"BOOL", "BYTES", "INT8", "UINT16", "UINT64"})
    void unsupportedDatatypesAreNamed(String datatype) {
        assertRejected("{'inputs':[{'name':'x','shape':[1],'datatype':'" + datatype + "','data':[1]}]}")
                .hasMessage("input 'x' has unsupported datatype " + datatype
                        + "; supported datatypes are FP16, FP32, FP64, UINT8, INT32, INT64");
    }

    @Test
    void unknownDatatype() {
        assertRejected("{'inputs':[{'name':'x','shape':[1],'datatype':'fp32','data':[1]}]}")
                .hasMessageStartingWith("input 'x' has unknown datatype fp32; supported datatypes are FP16");
    }

    @Test
    void integerElementsMustBeIntegersInRange() {
        assertRejected("{'inputs':[{'name':'x','shape':[3],'datatype':'UINT8','data':[1,256,3]}]}")
                .hasMessage("input 'x': element 1 is 256, out of range for UINT8 (0..255)");
        assertRejected("{'inputs':[{'name':'x','shape':[2],'datatype':'UINT8','data':[-1,3]}]}")
                .hasMessage("input 'x': element 0 is -1, out of range for UINT8 (0..255)");
        assertRejected("{'inputs':[{'name':'x','shape':[2],'datatype':'INT32','data':[1,2147483648]}]}")
                .hasMessage("input 'x': element 1 is 2147483648, out of range for INT32 (-2^31..2^31-1)");
        assertRejected("{'inputs':[{'name':'x','shape':[1],'datatype':'INT64','data':[9223372036854775808]}]}")
                .hasMessage("input 'x': element 0 is 9223372036854775808, out of range for INT64 (-2^63..2^63-1)");
        assertRejected("{'inputs':[{'name':'x','shape':[2],'datatype':'INT32','data':[[1],[2.0]]}]}")
                .hasMessage("input 'x': element 1 is 2.0, expected an integer for INT32");
        assertRejected("{'inputs':[{'name':'x','shape':[2],'datatype':'INT64','data':[1,1e3]}]}")
                .hasMessage("input 'x': element 1 is 1e3, expected an integer for INT64");
    }

    @Test
    void nonNumericElements() {
        assertRejected("{'inputs':[{'name':'x','shape':[2],'datatype':'FP32','data':[1,'2']}]}")
                .hasMessage("input 'x': element 1 is a string, expected a number");
        assertRejected("{'inputs':[{'name':'x','shape':[2],'datatype':'INT32','data':[true,1]}]}")
                .hasMessage("input 'x': element 0 is a boolean, expected a number");
        assertRejected("{'inputs':[{'name':'x','shape':[2],'datatype':'FP64','data':[1,null]}]}")
                .hasMessage("input 'x': element 1 is null, expected a number");
        assertRejected("{'inputs':[{'name':'x','shape':[2],'datatype':'FP64','data':[{},1]}]}")
                .hasMessage("input 'x': element 0 is an object, expected a number");
        assertRejected("{'inputs':[{'name':'x','shape':[1],'datatype':'FP32','data':[NaN]}]}")
                .hasMessageStartingWith("malformed JSON: ");
    }
}
