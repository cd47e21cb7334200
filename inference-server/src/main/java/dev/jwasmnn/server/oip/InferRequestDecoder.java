package dev.jwasmnn.server.oip;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorSpec;
import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.nn.WasiNnException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Decodes an Open Inference Protocol (KServe V2) inference request body: plain JSON, JSON with
 * the binary tensor extension, or the raw form. Checks the request is well formed but not that it
 * fits the model ({@link ModelInputBinder} does that), except that the raw form takes its input's
 * name, type and shape from the model.
 */
public final class InferRequestDecoder {
    private InferRequestDecoder() {}

    /** As {@link #decode(byte[], int, int, OptionalInt, List)} over the whole array. */
    public static InferRequest decode(byte[] body, OptionalInt inferenceHeaderLength, List<TensorSpec> modelInputs) {
        return decode(body, 0, body.length, inferenceHeaderLength, modelInputs);
    }

    /**
     * Decodes {@code body[offset, offset + length)}. Binary tensors are wrapped in place, so the
     * caller must not reuse the array while the request's tensors are alive.
     *
     * @param inferenceHeaderLength the {@code Inference-Header-Content-Length} header, if sent
     * @param modelInputs the model's declared inputs; only consulted for the raw form
     * @throws OipException 400 saying what is wrong with the request
     */
    public static InferRequest decode(
            byte[] body, int offset, int length, OptionalInt inferenceHeaderLength, List<TensorSpec> modelInputs) {
        Objects.checkFromIndexSize(offset, length, body.length);
        if (inferenceHeaderLength.isPresent()) {
            int h = inferenceHeaderLength.getAsInt();
            if (h < 0) {
                throw OipException.badRequest("Inference-Header-Content-Length must not be negative, got %d", h);
            }
            if (h == 0) {
                return decodeRaw(body, offset, length, modelInputs);
            }
            if (h > length) {
                throw OipException.badRequest(
                        "Inference-Header-Content-Length %d exceeds the body length %d", h, length);
            }
        }
        JsonRequest parse = new JsonRequest(
                body, offset, length, inferenceHeaderLength.orElse(length), inferenceHeaderLength.isPresent());
        try (JsonParser p = OipJson.FACTORY.createParser(body, offset, parse.jsonLength)) {
            return parse.run(p);
        } catch (JsonProcessingException e) {
            throw OipJson.malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a byte array: cannot happen
        }
    }

    /** The whole body is the model's single input; one dynamic dimension may be inferred. */
    private static InferRequest decodeRaw(byte[] body, int offset, int length, List<TensorSpec> modelInputs) {
        if (modelInputs == null || modelInputs.size() != 1) {
            List<String> names = modelInputs == null ? List.of() : modelInputs.stream().map(TensorSpec::name).toList();
            throw OipException.badRequest(
                    "a raw request (Inference-Header-Content-Length: 0) needs a model with exactly one input;"
                            + " this model has %d: %s",
                    names.size(), names);
        }
        TensorSpec spec = modelInputs.get(0);
        TensorType type = spec.type();
        if (type == null) {
            throw OipException.badRequest(
                    "input '%s' has datatype %s, which this server cannot carry", spec.name(), OipDatatype.describe(spec));
        }
        long[] shape = spec.shape();
        int dynamic = -1;
        long rowBytes = type.byteSize();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                if (dynamic >= 0) {
                    throw OipException.badRequest(
                            "raw input '%s' has shape %s with more than one dynamic dimension;"
                                    + " a raw request can infer at most one from the body size",
                            spec.name(), spec.describeShape());
                }
                dynamic = i;
            } else {
                rowBytes = multiply(rowBytes, shape[i]);
            }
        }
        if (dynamic >= 0) {
            if (rowBytes == 0 || rowBytes == Long.MAX_VALUE || length % rowBytes != 0) {
                throw OipException.badRequest(
                        "raw input '%s': %d body bytes do not fill %s shape %s (the other dimensions need"
                                + " multiples of %d bytes)",
                        spec.name(), length, OipDatatype.nameOf(type), spec.describeShape(), rowBytes);
            }
            shape[dynamic] = length / rowBytes;
        } else if (rowBytes != length) {
            throw OipException.badRequest(
                    "raw input '%s': %s shape %s needs %d bytes, the body has %d",
                    spec.name(), OipDatatype.nameOf(type), spec.describeShape(), rowBytes, length);
        }
        Tensor tensor = Tensor.of(type, shape, ByteBuffer.wrap(body, offset, length));
        return new InferRequest(null, List.of(new RequestInput(spec.name(), tensor)), List.of(), true, true);
    }

    /** a * b, saturating at Long.MAX_VALUE (never a real byte count). */
    private static long multiply(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** An input as read so far; name, shape and datatype may come in any key order. */
    private static final class PendingInput {
        final int index;
        String name;
        long[] shape;
        String datatype;
        TensorType type; // set once name, shape and datatype are known and valid
        boolean hasData;
        int deferredData = -1; // offset (relative to the JSON start) of a data array read later
        Tensor tensor;
        long binarySize = -1;

        PendingInput(int index) {
            this.index = index;
        }

        String label() {
            return name != null ? "input '" + name + "'" : "inputs[" + index + "]";
        }
    }

    /** One JSON request being parsed. */
    private static final class JsonRequest {
        final byte[] body;
        final int offset;
        final int length;
        final int jsonLength;
        final boolean headerSent;

        String id;
        Boolean binaryOutput;
        boolean sawInputs;
        final List<PendingInput> inputs = new ArrayList<>();
        final Set<String> inputNames = new HashSet<>();
        final List<String> outputNames = new ArrayList<>();
        final List<Boolean> outputBinary = new ArrayList<>();

        JsonRequest(byte[] body, int offset, int length, int jsonLength, boolean headerSent) {
            this.body = body;
            this.offset = offset;
            this.length = length;
            this.jsonLength = jsonLength;
            this.headerSent = headerSent;
        }

        InferRequest run(JsonParser p) throws IOException {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new OipException(first == null ? "the request body is empty" : "the request body must be a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                p.nextToken();
                switch (key) {
                    case "id" -> id = optionalString(p, "'id'");
                    case "parameters" -> readRequestParameters(p);
                    case "inputs" -> readInputs(p);
                    case "outputs" -> readOutputs(p);
                    default -> p.skipChildren(); // extensions are allowed
                }
            }
            requireEnd(p);
            if (!sawInputs || inputs.isEmpty()) {
                throw new OipException(sawInputs ? "'inputs' is empty" : "the request has no 'inputs'");
            }
            return new InferRequest(id, attachBinary(), requestedOutputs(), Boolean.TRUE.equals(binaryOutput), false);
        }

        /** Nothing but whitespace may follow the request object within the JSON part. */
        private void requireEnd(JsonParser p) {
            JsonLocation where;
            try {
                if (p.nextToken() == null) {
                    return;
                }
                where = p.currentTokenLocation();
            } catch (IOException e) {
                where = e instanceof JsonProcessingException jpe ? jpe.getLocation() : null;
            }
            String at = where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
            String hint = headerSent ? "" : " (binary tensor data needs the Inference-Header-Content-Length header)";
            throw new OipException("malformed JSON: unexpected content after the request object" + at + hint);
        }

        private void readRequestParameters(JsonParser p) throws IOException {
            if (!startObject(p, "'parameters'")) {
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                p.nextToken();
                if (key.equals("binary_data_output")) {
                    binaryOutput = optionalBoolean(p, "parameter 'binary_data_output'");
                } else {
                    p.skipChildren();
                }
            }
        }

        private void readInputs(JsonParser p) throws IOException {
            if (!startArray(p, "'inputs'")) {
                return;
            }
            sawInputs = true;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                PendingInput in = new PendingInput(inputs.size());
                readInput(p, in);
                finish(in);
                inputs.add(in);
            }
        }

        private void readInput(JsonParser p, PendingInput in) throws IOException {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw OipException.badRequest("inputs[%d] must be an object", in.index);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                p.nextToken();
                switch (key) {
                    case "name" -> in.name = requireString(p, in.label() + ": 'name'");
                    case "datatype" -> in.datatype = requireString(p, in.label() + ": 'datatype'");
                    case "shape" -> in.shape = readShape(p, in);
                    case "parameters" -> readInputParameters(p, in);
                    case "data" -> readData(p, in);
                    default -> p.skipChildren();
                }
            }
        }

        private long[] readShape(JsonParser p, PendingInput in) throws IOException {
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw OipException.badRequest("%s: 'shape' must be an array of integers", in.label());
            }
            long[] dims = new long[8];
            int n = 0;
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    throw OipException.badRequest(
                            "%s: 'shape' must be an array of integers, found %s", in.label(), p.getText());
                }
                if (n == dims.length) {
                    dims = Arrays.copyOf(dims, n * 2);
                }
                dims[n++] = p.getLongValue();
            }
            return Arrays.copyOf(dims, n);
        }

        private void readInputParameters(JsonParser p, PendingInput in) throws IOException {
            if (!startObject(p, in.label() + ": 'parameters'")) {
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken t = p.nextToken();
                if (!key.equals("binary_data_size")) {
                    p.skipChildren();
                } else if (t != JsonToken.VALUE_NULL) {
                    if (t != JsonToken.VALUE_NUMBER_INT
                            || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                            || p.getLongValue() < 0) {
                        throw OipException.badRequest(
                                "%s: binary_data_size must be a non-negative integer, got %s", in.label(), p.getText());
                    }
                    in.binarySize = p.getLongValue();
                }
            }
        }

        /**
         * Reads the data array now when the input's name, shape and datatype are already known
         * (the usual key order); otherwise skips it and re-parses it from its offset once they are.
         */
        private void readData(JsonParser p, PendingInput in) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NULL) {
                return;
            }
            if (t != JsonToken.START_ARRAY) {
                throw OipException.badRequest("%s: 'data' must be an array", in.label());
            }
            in.hasData = true;
            if (in.name != null && in.shape != null && in.datatype != null) {
                resolve(in);
                in.tensor = JsonTensorReader.read(p, in.name, in.type, in.shape, jsonLength);
            } else {
                in.deferredData = (int) p.currentTokenLocation().getByteOffset();
                p.skipChildren();
            }
        }

        /** Validates name, shape and datatype once all keys of the input are known. */
        private void resolve(PendingInput in) {
            if (in.type != null) {
                return;
            }
            if (in.name == null) {
                throw OipException.badRequest("inputs[%d] has no 'name'", in.index);
            }
            if (in.shape == null) {
                throw OipException.badRequest("input '%s' has no 'shape'", in.name);
            }
            if (in.datatype == null) {
                throw OipException.badRequest("input '%s' has no 'datatype'", in.name);
            }
            for (long d : in.shape) {
                if (d < 0) {
                    throw OipException.badRequest(
                            "input '%s': shape %s has a negative dimension", in.name, OipJson.shapeString(in.shape));
                }
            }
            in.type = OipDatatype.parse(in.datatype, in.name).tensorType();
            try {
                // Bytes, not only elements: a count that fits can still overflow once multiplied by the element size.
                Tensor.byteLength(in.type, in.shape);
            } catch (WasiNnException | ArithmeticException e) {
                throw OipException.badRequest(
                        "input '%s': shape %s has too many elements", in.name, OipJson.shapeString(in.shape));
            }
        }

        private void finish(PendingInput in) throws IOException {
            resolve(in);
            if (!inputNames.add(in.name)) {
                throw OipException.badRequest("input '%s' appears more than once", in.name);
            }
            if (in.hasData && in.binarySize >= 0) {
                throw OipException.badRequest("input '%s' has both 'data' and a binary_data_size parameter", in.name);
            }
            if (!in.hasData && in.binarySize < 0) {
                throw OipException.badRequest("input '%s' has neither 'data' nor a binary_data_size parameter", in.name);
            }
            if (in.binarySize >= 0) {
                long needed = Tensor.byteLength(in.type, in.shape);
                if (in.binarySize != needed) {
                    throw OipException.badRequest(
                            "input '%s': binary_data_size %d does not match %s shape %s, which needs %d bytes",
                            in.name, in.binarySize, in.datatype, OipJson.shapeString(in.shape), needed);
                }
                if (!headerSent) {
                    throw OipException.badRequest(
                            "input '%s' has a binary_data_size parameter but the request has no"
                                    + " Inference-Header-Content-Length header",
                            in.name);
                }
            }
            if (in.deferredData >= 0) {
                int start = offset + in.deferredData;
                try (JsonParser q = OipJson.FACTORY.createParser(body, start, offset + jsonLength - start)) {
                    q.nextToken();
                    in.tensor = JsonTensorReader.read(q, in.name, in.type, in.shape, jsonLength);
                }
            }
        }

        /** Wraps each binary input's slice of the body, in input order, after checking the sizes add up. */
        private List<RequestInput> attachBinary() {
            long declared = 0;
            for (PendingInput in : inputs) {
                if (in.binarySize > 0) {
                    declared = in.binarySize > Long.MAX_VALUE - declared ? Long.MAX_VALUE : declared + in.binarySize;
                }
            }
            int available = length - jsonLength;
            if (declared != available) {
                throw OipException.badRequest(
                        "the binary_data_size parameters add up to %d bytes, but %d bytes follow the %d-byte JSON header",
                        declared, available, jsonLength);
            }
            int pos = offset + jsonLength;
            List<RequestInput> result = new ArrayList<>(inputs.size());
            for (PendingInput in : inputs) {
                if (in.binarySize >= 0) {
                    int size = (int) in.binarySize;
                    in.tensor = Tensor.of(in.type, in.shape, ByteBuffer.wrap(body, pos, size));
                    pos += size;
                }
                result.add(new RequestInput(in.name, in.tensor));
            }
            return result;
        }

        private void readOutputs(JsonParser p) throws IOException {
            if (!startArray(p, "'outputs'")) {
                return;
            }
            while (p.nextToken() != JsonToken.END_ARRAY) {
                int index = outputNames.size();
                if (p.currentToken() != JsonToken.START_OBJECT) {
                    throw OipException.badRequest("outputs[%d] must be an object", index);
                }
                String name = null;
                Boolean binary = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    p.nextToken();
                    if (key.equals("name")) {
                        name = requireString(p, "outputs[" + index + "]: 'name'");
                    } else if (key.equals("parameters")) {
                        if (startObject(p, "outputs[" + index + "]: 'parameters'")) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String param = p.currentName();
                                p.nextToken();
                                if (param.equals("binary_data")) {
                                    binary = optionalBoolean(p, "outputs[" + index + "]: parameter 'binary_data'");
                                } else {
                                    p.skipChildren();
                                }
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                if (name == null) {
                    throw OipException.badRequest("outputs[%d] has no 'name'", index);
                }
                if (outputNames.contains(name)) {
                    throw OipException.badRequest("output '%s' is requested more than once", name);
                }
                outputNames.add(name);
                outputBinary.add(binary);
            }
        }

        /** Resolved only now: binary_data_output may come after "outputs". */
        private List<RequestedOutput> requestedOutputs() {
            boolean byDefault = Boolean.TRUE.equals(binaryOutput);
            List<RequestedOutput> result = new ArrayList<>(outputNames.size());
            for (int i = 0; i < outputNames.size(); i++) {
                Boolean own = outputBinary.get(i);
                result.add(new RequestedOutput(outputNames.get(i), own != null ? own : byDefault));
            }
            return result;
        }
    }

    // Typed accessors for known keys. JSON null counts as absent for optional keys, since some
    // client libraries serialize unset fields as null.

    private static String optionalString(JsonParser p, String what) throws IOException {
        return p.currentToken() == JsonToken.VALUE_NULL ? null : requireString(p, what);
    }

    private static String requireString(JsonParser p, String what) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw OipException.badRequest("%s must be a string", what);
        }
        return p.getText();
    }

    private static Boolean optionalBoolean(JsonParser p, String what) {
        return switch (p.currentToken()) {
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw OipException.badRequest("%s must be a boolean", what);
        };
    }

    /** True when on an object's start, false on null, 400 otherwise. */
    private static boolean startObject(JsonParser p, String what) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return false;
        }
        if (t != JsonToken.START_OBJECT) {
            throw OipException.badRequest("%s must be an object", what);
        }
        return true;
    }

    private static boolean startArray(JsonParser p, String what) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return false;
        }
        if (t != JsonToken.START_ARRAY) {
            throw OipException.badRequest("%s must be an array", what);
        }
        return true;
    }
}
