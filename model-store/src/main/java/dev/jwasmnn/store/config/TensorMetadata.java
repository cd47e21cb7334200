package dev.jwasmnn.store.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * An input or output a model's config declares: name, Open Inference Protocol datatype
 * ({@code FP32}, {@code INT64} ...) and shape with -1 for dynamic dimensions. Checked against the
 * model when it loads, so a config that disagrees with its model never serves.
 */
public record TensorMetadata(String name, String datatype, long[] shape) {
    public static final List<String> DATATYPES =
            java.util.Arrays.stream(dev.jwasmnn.nn.TensorType.values()).map(dev.jwasmnn.nn.TensorType::datatype).toList();

    public TensorMetadata {
        datatype = datatype.toUpperCase(Locale.ROOT);
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorMetadata t && name.equals(t.name) && datatype.equals(t.datatype)
                && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + ":" + datatype + Arrays.toString(shape);
    }
}
