package dev.jwasmnn.server.oip;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/** Encodes an inference response: plain JSON, or JSON plus binary outputs. */
public final class InferResponseEncoder {
    private InferResponseEncoder() {}

    /** Initial JSON buffer cap; larger responses grow it. */
    private static final int MAX_INITIAL_BUFFER = 64 << 20;

    /**
     * @param modelVersion written as {@code model_version} when not null
     * @param request supplies the id, the outputs asked for and their binary flags, and the form
     * @param outputSpecs the model's declared outputs
     * @param outputs the computed outputs, in the model's order (element i is output i)
     * @throws OipException 400 when the request names an output the model lacks
     */
    public static EncodedResponse encode(
            String modelName, String modelVersion, InferRequest request, List<TensorSpec> outputSpecs, List<Tensor> outputs) {
        if (outputSpecs.size() != outputs.size()) {
            throw new IllegalArgumentException(
                    "model declares " + outputSpecs.size() + " outputs but " + outputs.size() + " were computed");
        }
        // A raw request gets Triton's answer to it: every output binary, after a JSON header that
        // names them (so a client still learns the shape a dynamic dimension took).
        // Which outputs, in which order, and which of them travel as binary.
        int count = request.outputs().isEmpty() ? outputs.size() : request.outputs().size();
        int[] selected = new int[count];
        boolean[] binary = new boolean[count];
        for (int i = 0; i < count; i++) {
            if (request.outputs().isEmpty()) {
                selected[i] = i;
                binary[i] = request.binaryOutputByDefault();
            } else {
                RequestedOutput wanted = request.outputs().get(i);
                selected[i] = ModelInputBinder.outputIndex(wanted.name(), outputSpecs);
                binary[i] = wanted.binary();
            }
        }

        long estimate = 256;
        boolean anyBinary = false;
        for (int i = 0; i < count; i++) {
            anyBinary |= binary[i];
            estimate += binary[i] ? 64 : 64 + outputs.get(selected[i]).elementCount() * 14;
        }
        OipJson.ByteSink sink = new OipJson.ByteSink((int) Math.min(estimate, MAX_INITIAL_BUFFER));
        List<ByteBuffer> parts = new ArrayList<>();
        try (JsonGenerator gen = OipJson.FACTORY.createGenerator(sink, JsonEncoding.UTF8)) {
            gen.writeStartObject();
            gen.writeStringField("model_name", modelName);
            if (modelVersion != null) {
                gen.writeStringField("model_version", modelVersion);
            }
            if (request.id() != null) {
                gen.writeStringField("id", request.id());
            }
            gen.writeArrayFieldStart("outputs");
            for (int i = 0; i < count; i++) {
                Tensor tensor = outputs.get(selected[i]);
                long[] shape = tensor.shape();
                gen.writeStartObject();
                gen.writeStringField("name", outputSpecs.get(selected[i]).name());
                gen.writeStringField("datatype", OipDatatype.nameOf(tensor.type()));
                gen.writeFieldName("shape");
                gen.writeArray(shape, 0, shape.length);
                if (binary[i]) {
                    gen.writeObjectFieldStart("parameters");
                    gen.writeNumberField("binary_data_size", tensor.byteLength());
                    gen.writeEndObject();
                    parts.add(tensor.data());
                } else {
                    gen.writeFieldName("data");
                    writeData(gen, tensor);
                }
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory: cannot happen
        }
        ByteBuffer json = sink.view();
        if (!anyBinary) {
            return new EncodedResponse(List.of(json), OipJson.CONTENT_TYPE_JSON, OptionalInt.empty());
        }
        parts.add(0, json);
        return new EncodedResponse(parts, OipJson.CONTENT_TYPE_BINARY, OptionalInt.of(json.remaining()));
    }

    /** A flat row-major array; one typed loop per element type, no boxing. */
    private static void writeData(JsonGenerator gen, Tensor tensor) throws IOException {
        ByteBuffer d = tensor.data();
        int n = (int) tensor.elementCount();
        gen.writeStartArray();
        switch (tensor.type()) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    gen.writeNumber(d.getFloat(i << 2));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    gen.writeNumber(d.getDouble(i << 3));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    gen.writeNumber(Float.float16ToFloat(d.getShort(i << 1)));
                }
            }
            case U8 -> {
                for (int i = 0; i < n; i++) {
                    gen.writeNumber(d.get(i) & 0xFF);
                }
            }
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    gen.writeNumber(d.getInt(i << 2));
                }
            }
            case I64 -> {
                for (int i = 0; i < n; i++) {
                    gen.writeNumber(d.getLong(i << 3));
                }
            }
        }
        gen.writeEndArray();
    }
}
