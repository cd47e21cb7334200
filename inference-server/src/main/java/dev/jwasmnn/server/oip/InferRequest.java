package dev.jwasmnn.server.oip;

import java.util.List;

/**
 * A decoded inference request, not yet checked against the model's inputs (see
 * {@link ModelInputBinder}).
 *
 * @param id the client's request id, echoed in the response; null when absent
 * @param inputs the inputs in request order
 * @param outputs the outputs asked for, in the order asked; empty means all of the model's
 * @param binaryOutputByDefault whether outputs not listed individually are returned as binary
 *     (the request's {@code binary_data_output}; always true for raw requests)
 * @param raw whether the request used the raw form ({@code Inference-Header-Content-Length: 0})
 */
public record InferRequest(
        String id,
        List<RequestInput> inputs,
        List<RequestedOutput> outputs,
        boolean binaryOutputByDefault,
        boolean raw) {

    public InferRequest {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /** A request for every output as JSON, with inputs supplied elsewhere (a pipeline's preprocessing). */
    public static InferRequest all() {
        return new InferRequest(null, List.of(), List.of(), false, false);
    }
}
