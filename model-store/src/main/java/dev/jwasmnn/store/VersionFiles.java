package dev.jwasmnn.store;

import dev.jwasmnn.nn.GraphEncoding;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The files of one version folder: the model, its encoding, and the guest that handles its
 * requests (the version's own {@code guest.wasm}, else the model folder's).
 */
public record VersionFiles(long version, Path directory, Path model, GraphEncoding encoding, Optional<Path> guest) {}
