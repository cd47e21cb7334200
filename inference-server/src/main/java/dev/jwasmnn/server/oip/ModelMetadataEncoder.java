package dev.jwasmnn.server.oip;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.jwasmnn.nn.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Encodes the protocol's model metadata response. */
public final class ModelMetadataEncoder {
    private ModelMetadataEncoder() {}

    /**
     * {@code {"name","versions":[..],"platform","inputs":[{"name","datatype","shape"}],"outputs":[..]}},
     * dynamic dimensions as -1.
     */
    public static byte[] encode(
            String name, List<String> versions, String platform, List<TensorSpec> inputs, List<TensorSpec> outputs) {
        OipJson.ByteSink sink = new OipJson.ByteSink(256);
        try (JsonGenerator gen = OipJson.FACTORY.createGenerator(sink, JsonEncoding.UTF8)) {
            gen.writeStartObject();
            gen.writeStringField("name", name);
            gen.writeArrayFieldStart("versions");
            for (String v : versions) {
                gen.writeString(v);
            }
            gen.writeEndArray();
            gen.writeStringField("platform", platform);
            writeTensors(gen, "inputs", inputs);
            writeTensors(gen, "outputs", outputs);
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory: cannot happen
        }
        return sink.toByteArray();
    }

    private static void writeTensors(JsonGenerator gen, String field, List<TensorSpec> specs) throws IOException {
        gen.writeArrayFieldStart(field);
        for (TensorSpec spec : specs) {
            long[] shape = spec.shape();
            gen.writeStartObject();
            gen.writeStringField("name", spec.name());
            gen.writeStringField("datatype", OipDatatype.describe(spec));
            gen.writeFieldName("shape");
            gen.writeArray(shape, 0, shape.length);
            gen.writeEndObject();
        }
        gen.writeEndArray();
    }
}
