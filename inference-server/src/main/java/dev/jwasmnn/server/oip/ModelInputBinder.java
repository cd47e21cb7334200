package dev.jwasmnn.server.oip;

import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks a decoded request against what the model declares. */
public final class ModelInputBinder {
    private ModelInputBinder() {}

    /**
     * Matches the request's inputs to the model's by name and checks datatype and shape.
     *
     * @return the tensors in the model's declared order: element i feeds model input i
     * @throws OipException 400 saying which input is missing, unknown or mismatched
     */
    public static List<Tensor> bindInputs(InferRequest request, List<TensorSpec> modelInputs) {
        Map<String, RequestInput> byName = new HashMap<>();
        for (RequestInput in : request.inputs()) {
            if (byName.put(in.name(), in) != null) {
                throw OipException.badRequest("input '%s' appears more than once", in.name());
            }
        }
        Set<String> missing = new LinkedHashSet<>();
        Set<String> known = new LinkedHashSet<>();
        for (TensorSpec spec : modelInputs) {
            known.add(spec.name());
            if (!byName.containsKey(spec.name())) {
                missing.add(spec.name());
            }
        }
        List<String> unknown = request.inputs().stream().map(RequestInput::name).filter(n -> !known.contains(n)).toList();
        if (!missing.isEmpty() || !unknown.isEmpty()) {
            StringBuilder msg = new StringBuilder("the request's inputs do not match the model's:");
            if (!missing.isEmpty()) {
                msg.append(" missing ").append(missing);
            }
            if (!unknown.isEmpty()) {
                msg.append(missing.isEmpty() ? "" : ",").append(" unknown ").append(unknown);
            }
            msg.append("; the model's inputs are ").append(known);
            throw new OipException(msg.toString());
        }

        List<Tensor> bound = new ArrayList<>(modelInputs.size());
        for (TensorSpec spec : modelInputs) {
            Tensor tensor = byName.get(spec.name()).tensor();
            if (spec.isAny()) {
                // The model declares nothing to check (TorchScript); its runtime checks when it runs.
                bound.add(tensor);
                continue;
            }
            if (spec.type() == null) {
                throw OipException.badRequest(
                        "input '%s' has datatype %s, which this server cannot carry",
                        spec.name(), OipDatatype.describe(spec));
            }
            if (tensor.type() != spec.type()) {
                throw OipException.badRequest(
                        "input '%s' expects %s, got %s",
                        spec.name(), OipDatatype.nameOf(spec.type()), OipDatatype.nameOf(tensor.type()));
            }
            long[] shape = tensor.shape();
            if (!spec.shapeAccepts(shape)) {
                throw OipException.badRequest(
                        "input '%s' expects shape %s, got %s", spec.name(), spec.describeShape(), Arrays.toString(shape));
            }
            bound.add(tensor);
        }
        return bound;
    }

    /**
     * Checks every output the request names exists.
     *
     * @throws OipException 400 listing the model's output names
     */
    public static void checkRequestedOutputs(InferRequest request, List<TensorSpec> modelOutputs) {
        for (RequestedOutput out : request.outputs()) {
            outputIndex(out.name(), modelOutputs);
        }
    }

    /** The position of the named output among the model's, or a 400 listing the names. */
    static int outputIndex(String name, List<TensorSpec> modelOutputs) {
        for (int i = 0; i < modelOutputs.size(); i++) {
            if (modelOutputs.get(i).name().equals(name)) {
                return i;
            }
        }
        throw OipException.badRequest(
                "unknown output '%s'; the model's outputs are %s",
                name, modelOutputs.stream().map(TensorSpec::name).toList());
    }
}
