package dev.jwasmnn.nn;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a model declares for one input or output: its name, element type and shape, where a
 * dimension of -1 is dynamic. {@code type} is null when the model uses an element type wasi-nn
 * cannot carry (strings, maps ...); {@code nativeType} always names it. A model format that
 * declares no types or shapes (TorchScript) describes its inputs with {@link #any}.
 */
public record TensorSpec(String name, TensorType type, String nativeType, long[] shape) {
    /** The native type of a spec that accepts any element type and shape. */
    public static final String ANY = "any";

    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(nativeType, "nativeType");
        shape = shape.clone();
    }

    /** A tensor of any element type and shape, checked by the model itself when it runs. */
    public static TensorSpec any(String name) {
        return new TensorSpec(name, null, ANY, new long[0]);
    }

    /** True for a spec from {@link #any}: the model declares nothing to check against. */
    public boolean isAny() {
        return type == null && ANY.equals(nativeType);
    }

    public boolean isSupported() {
        return type != null || isAny();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Checks that {@code tensor} may be fed as the input at {@code index}: same element type, same
     * rank, and every fixed dimension equal.
     *
     * @throws WasiNnException invalid_argument saying which input and what was expected
     */
    public void checkInput(int index, Tensor tensor) {
        checkInput(index, tensor.type(), tensor.shape());
    }

    /** As {@link #checkInput(int, Tensor)}, before any data has been copied. */
    public void checkInput(int index, TensorType actualType, long[] dims) {
        if (isAny()) {
            return;
        }
        if (type == null) {
            throw WasiNnException.unsupported(
                    "input %d (%s) has element type %s, which wasi-nn cannot carry", index, name, nativeType);
        }
        if (actualType != type) {
            throw WasiNnException.invalidArgument(
                    "input %d (%s) expects %s, got %s", index, name, type, actualType);
        }
        if (!shapeAccepts(dims)) {
            throw WasiNnException.invalidArgument(
                    "input %d (%s) expects shape %s, got %s",
                    index, name, describeShape(), Arrays.toString(dims));
        }
    }

    /** True when {@code dims} has this spec's rank and matches every fixed dimension. */
    public boolean shapeAccepts(long[] dims) {
        if (isAny()) {
            return true;
        }
        if (dims.length != shape.length) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            if (shape[i] >= 0 && shape[i] != dims[i]) {
                return false;
            }
        }
        return true;
    }

    /** The shape with dynamic dimensions shown as -1, e.g. {@code [-1, 3, 224, 224]}. */
    public String describeShape() {
        return isAny() ? "any" : Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec s
                && name.equals(s.name)
                && type == s.type
                && nativeType.equals(s.nativeType)
                && Arrays.equals(shape, s.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, nativeType, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return isAny() ? name + ":any" : name + ":" + (type != null ? type : nativeType) + describeShape();
    }
}
