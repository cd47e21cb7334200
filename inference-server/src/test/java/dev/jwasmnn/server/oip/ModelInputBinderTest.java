package dev.jwasmnn.server.oip;

import static dev.jwasmnn.server.oip.TestBodies.decodeJson;
import static dev.jwasmnn.server.oip.TestBodies.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorSpec;
import dev.jwasmnn.nn.TensorType;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelInputBinderTest {
    private static final List<TensorSpec> MODEL = List.of(
            spec("image", TensorType.F32, -1, 3, 2, 2), spec("scale", TensorType.I64, 1));

    private static final String IMAGE = "{'name':'image','shape':[1,3,2,2],'datatype':'FP32','data':[1,2,3,4,5,6,7,8,9,10,11,12]}";
    private static final String SCALE = "{'name':'scale','shape':[1],'datatype':'INT64','data':[4]}";

    @Test
    void returnsTensorsInTheModelsOrder() {
        InferRequest r = decodeJson("{'inputs':[" + SCALE + "," + IMAGE + "]}");

        List<Tensor> bound = ModelInputBinder.bindInputs(r, MODEL);

        assertThat(bound).extracting(Tensor::type).containsExactly(TensorType.F32, TensorType.I64);
        assertThat(bound.get(0).shape()).containsExactly(1, 3, 2, 2);
    }

    @Test
    void listsMissingAndUnknownInputs() {
        InferRequest r = decodeJson("{'inputs':[" + IMAGE + ",{'name':'extra','shape':[1],'datatype':'FP32','data':[1]}]}");

        assertThatThrownBy(() -> ModelInputBinder.bindInputs(r, MODEL))
                .isInstanceOf(OipException.class)
                .hasMessage("the request's inputs do not match the model's: missing [scale], unknown [extra];"
                        + " the model's inputs are [image, scale]");
    }

    @Test
    void datatypeMustMatch() {
        InferRequest r = decodeJson("{'inputs':[" + IMAGE + ",{'name':'scale','shape':[1],'datatype':'INT32','data':[4]}]}");

        assertThatThrownBy(() -> ModelInputBinder.bindInputs(r, MODEL)).hasMessage("input 'scale' expects INT64, got INT32");
    }

    @Test
    void shapeMustBeAccepted() {
        InferRequest r = decodeJson("{'inputs':[" + SCALE + ",{'name':'image','shape':[1,3],'datatype':'FP32','data':[1,2,3]}]}");

        assertThatThrownBy(() -> ModelInputBinder.bindInputs(r, MODEL))
                .hasMessage("input 'image' expects shape [-1, 3, 2, 2], got [1, 3]");
    }

    @Test
    void unsupportedModelInputsAreReported() {
        InferRequest r = decodeJson("{'inputs':[{'name':'text','shape':[1],'datatype':'FP32','data':[1]}]}");
        List<TensorSpec> model = List.of(new TensorSpec("text", null, "string", new long[] {1}));

        assertThatThrownBy(() -> ModelInputBinder.bindInputs(r, model))
                .hasMessage("input 'text' has datatype BYTES, which this server cannot carry");
    }

    @Test
    void requestedOutputsMustExist() {
        List<TensorSpec> outputs = List.of(spec("probs", TensorType.F32, 1, 10), spec("label", TensorType.I64, 1));
        InferRequest ok = decodeJson("{'inputs':[" + SCALE + "],'outputs':[{'name':'label'}]}");
        InferRequest bad = decodeJson("{'inputs':[" + SCALE + "],'outputs':[{'name':'label'},{'name':'logits'}]}");

        assertThatNoException().isThrownBy(() -> ModelInputBinder.checkRequestedOutputs(ok, outputs));
        assertThatThrownBy(() -> ModelInputBinder.checkRequestedOutputs(bad, outputs))
                .isInstanceOf(OipException.class)
                .hasMessage("unknown output 'logits'; the model's outputs are [probs, label]");
    }
}
