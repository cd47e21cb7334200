package dev.jwasmnn.server.oip;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.regex.Pattern;

/** The JSON plumbing shared by the protocol codecs. */
public final class OipJson {
    private OipJson() {}

    public static final String CONTENT_TYPE_JSON = "application/json";
    public static final String CONTENT_TYPE_BINARY = "application/octet-stream";
    /** The binary tensor extension's header naming the byte length of the leading JSON. */
    public static final String INFERENCE_HEADER_CONTENT_LENGTH = "Inference-Header-Content-Length";

    /**
     * Duplicate keys are rejected because which one wins would be a guess; the fast parser is
     * bit-exact and matters when a request carries millions of floats.
     */
    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    /** {@code {"error":"message"}} in UTF-8, escaped as JSON requires. */
    public static byte[] errorJson(String message) {
        ByteSink out = new ByteSink(64 + message.length());
        try (JsonGenerator gen = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            gen.writeStartObject();
            gen.writeStringField("error", message);
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory: cannot happen
        }
        return out.toByteArray();
    }

    private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);

    /** A JSON tree (a pipeline's answer) in UTF-8. */
    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory: cannot happen
        }
    }

    /**
     * A 400 for unparseable JSON. Jackson's own message would print a redacted source; the client
     * needs only what went wrong and where.
     */
    static OipException malformed(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
        String message = NESTED_LOCATION.matcher(e.getOriginalMessage()).replaceAll("line $1, column $2");
        return new OipException("malformed JSON: " + message + where);
    }

    /** Locations Jackson embeds in its messages, e.g. an unclosed object's start marker. */
    private static final Pattern NESTED_LOCATION =
            Pattern.compile("\\[Source: [^;]*; line: (-?\\d+), column: (-?\\d+)\\]");

    /** A shape the way the client wrote it, e.g. {@code [1,3]}. */
    static String shapeString(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(shape[i]);
        }
        return sb.append(']').toString();
    }

    /** A ByteArrayOutputStream whose bytes can be handed out without the final copy. */
    static final class ByteSink extends ByteArrayOutputStream {
        ByteSink(int size) {
            super(size);
        }

        ByteBuffer view() {
            return ByteBuffer.wrap(buf, 0, count).asReadOnlyBuffer();
        }
    }
}
