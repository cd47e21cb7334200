package dev.jwasmnn.nn.abi;

import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.nn.WasiNnException;

/**
 * Decides what a guest's {@code tensor_type} code means when the two numberings disagree, from
 * the bytes per element the guest actually sent: code 2 with 1 byte per element is legacy U8,
 * with 8 bytes it is F64; code 3 with 4 bytes is legacy I32, with 1 byte it is U8. Only an empty
 * tensor carries no such evidence; then the model's declared input type decides if it is one of
 * the candidates, else the configured fallback numbering.
 */
public final class TensorTypeResolver {
    private final TensorTypeNumbering fallback;

    public TensorTypeResolver(TensorTypeNumbering fallback) {
        this.fallback = fallback;
    }

    public TensorTypeNumbering fallback() {
        return fallback;
    }

    /**
     * @param code the low byte of the guest's tensor_type field
     * @param elements product of the guest's dimensions
     * @param dataLength bytes the guest sent
     * @param declared the model's type for this input, or null if unknown
     */
    public TensorType resolve(int code, long elements, long dataLength, TensorType declared) {
        TensorType legacy = TensorTypeNumbering.LEGACY.decode(code);
        TensorType current = TensorTypeNumbering.CURRENT.decode(code);
        if (legacy == null && current == null) {
            throw WasiNnException.invalidArgument("unknown tensor type code %d", code);
        }
        if (elements == 0) {
            if (declared != null && (declared == legacy || declared == current)) {
                return declared;
            }
            TensorType preferred = fallback.decode(code);
            return preferred != null ? preferred : (current != null ? current : legacy);
        }
        if (dataLength % elements != 0) {
            throw WasiNnException.invalidArgument(
                    "tensor data is %d bytes, not a whole number of bytes for %d elements", dataLength, elements);
        }
        long bytesPerElement = dataLength / elements;
        boolean currentFits = current != null && current.byteSize() == bytesPerElement;
        boolean legacyFits = legacy != null && legacy.byteSize() == bytesPerElement;
        if (currentFits && legacyFits && current != legacy) {
            // Cannot happen with today's two tables (no shared size at the same code), but stay decidable.
            return fallback == TensorTypeNumbering.LEGACY ? legacy : current;
        }
        if (currentFits) {
            return current;
        }
        if (legacyFits) {
            return legacy;
        }
        throw WasiNnException.invalidArgument(
                "tensor type code %d means %s, but the data has %d bytes per element (%d bytes for %d elements)",
                code, describe(legacy, current), bytesPerElement, dataLength, elements);
    }

    private static String describe(TensorType legacy, TensorType current) {
        if (legacy == current || legacy == null) {
            return current.toString();
        }
        if (current == null) {
            return legacy + " (legacy numbering)";
        }
        return current + " (current numbering) or " + legacy + " (legacy numbering)";
    }
}
