package dev.jwasmnn.server.oip;

import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorType;
import java.util.Objects;

/** One decoded request input; the tensor carries its own type and shape. */
public record RequestInput(String name, Tensor tensor) {

    public RequestInput {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tensor, "tensor");
    }

    public TensorType type() {
        return tensor.type();
    }

    public long[] shape() {
        return tensor.shape();
    }
}
