package dev.jwasmnn.nn.backend.pytorch;

import dev.jwasmnn.nn.spi.BackendSettings;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Settings for the PyTorch backend, from {@link BackendSettings} keys:
 * <ul>
 *   <li>{@code pytorch.intra_op_threads}: threads one forward pass may use (default: half the
 *       cores, at least 1; with 2 threads on a 2-core machine some calls stalled for over a
 *       second, while concurrent requests already keep the cores busy)</li>
 *   <li>{@code pytorch.inter_op_threads}: threads across independent operations (default 1)</li>
 *   <li>{@code pytorch.cache_dir}: where DJL unpacks libtorch from the bundled jar (about
 *       430 MB, once); default DJL's own ({@code ENGINE_CACHE_DIR}, else {@code ~/.djl.ai})</li>
 *   <li>{@code pytorch.library_dir}: libtorch unpacked ahead of time (by {@link LibTorchNatives}'s
 *       main, as the container images do), used instead of unpacking the bundled jar at start</li>
 *   <li>{@code pytorch.cuda_device}: the CUDA device index for gpu and auto targets (default 0)</li>
 * </ul>
 */
record PyTorchOptions(int intraOpThreads, int interOpThreads, Optional<Path> cacheDir, Optional<Path> libraryDir,
        int cudaDevice) {

    static PyTorchOptions from(BackendSettings settings) {
        int cores = Runtime.getRuntime().availableProcessors();
        int intra = settings.intValue("pytorch.intra_op_threads", Math.max(1, cores / 2), 1, 1024);
        int inter = settings.intValue("pytorch.inter_op_threads", 1, 1, 1024);
        Optional<Path> cache = settings.get("pytorch.cache_dir").map(Path::of);
        Optional<Path> library = settings.get("pytorch.library_dir").map(Path::of);
        int cuda = settings.intValue("pytorch.cuda_device", 0, 0, 63);
        return new PyTorchOptions(intra, inter, cache, library, cuda);
    }
}
