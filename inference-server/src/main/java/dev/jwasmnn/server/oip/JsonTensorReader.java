package dev.jwasmnn.server.oip;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Streams a JSON {@code data} array (flat or nested to any depth, row-major) straight into a
 * little-endian buffer, without boxing or a tree.
 */
final class JsonTensorReader {
    private JsonTensorReader() {}

    /** Longest element text quoted back in an error. */
    private static final int MAX_QUOTE = 40;

    /**
     * Reads the array the parser is positioned on (its START_ARRAY is the current token) and
     * leaves the parser on the matching END_ARRAY.
     *
     * @param jsonLength bytes of JSON the array lives in, bounding how many elements it can hold
     */
    static Tensor read(JsonParser p, String inputName, TensorType type, long[] shape, int jsonLength)
            throws IOException {
        long expected = Tensor.elementCount(shape);
        long bytes = expected * type.byteSize();
        // Each element takes at least a digit and a separator. A shape the JSON could never fill
        // is still read (to report the real count) but into nothing, so a tiny request cannot
        // make the server allocate gigabytes.
        boolean fits = expected <= jsonLength / 2L + 1;
        if (fits && bytes > Integer.MAX_VALUE - 16) {
            throw OipException.badRequest(
                    "input '%s': a %s tensor of shape %s needs %d bytes, more than a JSON tensor may hold",
                    inputName, OipDatatype.nameOf(type), OipJson.shapeString(shape), bytes);
        }
        ByteBuffer buf = fits ? ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN) : null;

        long index = 0;
        int depth = 1;
        while (depth > 0) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                boolean store = buf != null && index < expected;
                switch (type) {
                    // A JSON number is finite, so an infinite result means it overflowed the type.
                    case F32 -> {
                        float v = p.getFloatValue();
                        if (Float.isInfinite(v)) {
                            throw outOfRange(p, inputName, type, index, "max magnitude 3.4028235e38");
                        }
                        if (store) buf.putFloat(v);
                    }
                    case F64 -> {
                        double v = p.getDoubleValue();
                        if (Double.isInfinite(v)) {
                            throw outOfRange(p, inputName, type, index, "max magnitude 1.7976931348623157e308");
                        }
                        if (store) buf.putDouble(v);
                    }
                    case F16 -> {
                        short v = Float.floatToFloat16(p.getFloatValue());
                        if ((v & 0x7fff) == 0x7c00) {
                            throw outOfRange(p, inputName, type, index, "max magnitude 65504");
                        }
                        if (store) buf.putShort(v);
                    }
                    case U8 -> {
                        requireInteger(p, t, inputName, type, index);
                        int v = p.getNumberType() == JsonParser.NumberType.INT ? p.getIntValue() : -1;
                        if (v < 0 || v > 255) {
                            throw outOfRange(p, inputName, type, index, "0..255");
                        }
                        if (store) buf.put((byte) v);
                    }
                    case I32 -> {
                        requireInteger(p, t, inputName, type, index);
                        if (p.getNumberType() != JsonParser.NumberType.INT) {
                            throw outOfRange(p, inputName, type, index, "-2^31..2^31-1");
                        }
                        int v = p.getIntValue();
                        if (store) buf.putInt(v);
                    }
                    case I64 -> {
                        requireInteger(p, t, inputName, type, index);
                        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                            throw outOfRange(p, inputName, type, index, "-2^63..2^63-1");
                        }
                        long v = p.getLongValue();
                        if (store) buf.putLong(v);
                    }
                }
                index++;
            } else if (t == JsonToken.START_ARRAY) {
                depth++;
            } else if (t == JsonToken.END_ARRAY) {
                depth--;
            } else {
                throw OipException.badRequest(
                        "input '%s': element %d is %s, expected a number", inputName, index, describe(t));
            }
        }
        if (index != expected || buf == null) { // buf == null implies a short count; checked for safety
            throw OipException.badRequest(
                    "input '%s': shape %s needs %d elements, got %d",
                    inputName, OipJson.shapeString(shape), expected, index);
        }
        return Tensor.of(type, shape, buf.flip());
    }

    private static void requireInteger(JsonParser p, JsonToken t, String inputName, TensorType type, long index)
            throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw OipException.badRequest(
                    "input '%s': element %d is %s, expected an integer for %s",
                    inputName, index, quote(p.getText()), OipDatatype.nameOf(type));
        }
    }

    private static OipException outOfRange(JsonParser p, String inputName, TensorType type, long index, String range)
            throws IOException {
        return OipException.badRequest(
                "input '%s': element %d is %s, out of range for %s (%s)",
                inputName, index, quote(p.getText()), OipDatatype.nameOf(type), range);
    }

    private static String quote(String text) {
        return text.length() <= MAX_QUOTE ? text : text.substring(0, MAX_QUOTE) + "...";
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "missing (unexpected end of input)";
        }
        return switch (t) {
            case VALUE_STRING -> "a string";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case START_OBJECT -> "an object";
            default -> t.asString() != null ? t.asString() : t.name();
        };
    }
}
