package dev.jwasmnn.server.oip;

import java.util.Objects;

/**
 * An output the client asked for by name. {@code binary} is already resolved: the output's own
 * {@code binary_data} parameter if given, else the request's {@code binary_data_output}.
 */
public record RequestedOutput(String name, boolean binary) {

    public RequestedOutput {
        Objects.requireNonNull(name, "name");
    }
}
