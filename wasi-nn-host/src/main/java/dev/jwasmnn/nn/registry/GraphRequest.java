package dev.jwasmnn.nn.registry;

import dev.jwasmnn.nn.GraphEncoding;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a guest asks for with {@code load_by_name[_with_config]}: a name, optionally pinned to a
 * version and checked against an expected encoding.
 */
public record GraphRequest(String name, OptionalLong version, Optional<GraphEncoding> encoding) {

    public static GraphRequest byName(String name) {
        return new GraphRequest(name, OptionalLong.empty(), Optional.empty());
    }
}
