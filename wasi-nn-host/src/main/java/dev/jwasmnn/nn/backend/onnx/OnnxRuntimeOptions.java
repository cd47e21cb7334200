package dev.jwasmnn.nn.backend.onnx;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.jwasmnn.nn.spi.BackendSettings;
import java.util.Locale;

/**
 * Session settings for ONNX Runtime, from {@link BackendSettings} keys:
 * <ul>
 *   <li>{@code onnxruntime.intra_op_threads}: threads one compute may use (default: all cores)</li>
 *   <li>{@code onnxruntime.inter_op_threads}: threads across independent graph nodes (default 1)</li>
 *   <li>{@code onnxruntime.optimization_level}: none, basic, extended or all (default all)</li>
 *   <li>{@code onnxruntime.allow_spinning}: whether idle intra-op threads busy-wait for more work
 *       (default true, ONNX Runtime's own default: measured faster for MobileNetV2 here; set false
 *       when many concurrent guests need the cores more than one inference needs low latency)</li>
 *   <li>{@code onnxruntime.thread_pool}: {@code shared} (default: one pool for all sessions, see
 *       {@link OrtEnvironments}) or {@code per_session}</li>
 *   <li>{@code onnxruntime.cuda_device}: the CUDA device index for gpu and auto targets (default 0)</li>
 *   <li>{@code onnxruntime.tensorrt}: try the TensorRT execution provider before CUDA (default
 *       false; needs TensorRT 10 on the host)</li>
 * </ul>
 */
record OnnxRuntimeOptions(
        int intraOpThreads, int interOpThreads, OptLevel optimizationLevel, boolean allowSpinning,
        boolean sharedThreadPool, int cudaDevice, boolean tensorRt) {

    static OnnxRuntimeOptions from(BackendSettings settings) {
        int cores = Runtime.getRuntime().availableProcessors();
        int intra = settings.intValue("onnxruntime.intra_op_threads", cores, 1, 1024);
        int inter = settings.intValue("onnxruntime.inter_op_threads", 1, 1, 1024);
        String level = settings.get("onnxruntime.optimization_level").orElse("all").toLowerCase(Locale.ROOT);
        OptLevel opt = switch (level) {
            case "none" -> OptLevel.NO_OPT;
            case "basic" -> OptLevel.BASIC_OPT;
            case "extended" -> OptLevel.EXTENDED_OPT;
            case "all" -> OptLevel.ALL_OPT;
            default -> throw new IllegalArgumentException(
                    "setting onnxruntime.optimization_level=" + level + " must be none, basic, extended or all");
        };
        String spin = settings.get("onnxruntime.allow_spinning").orElse("true").toLowerCase(Locale.ROOT);
        if (!spin.equals("true") && !spin.equals("false")) {
            throw new IllegalArgumentException("setting onnxruntime.allow_spinning=" + spin + " must be true or false");
        }
        String pool = settings.get("onnxruntime.thread_pool").orElse("shared").toLowerCase(Locale.ROOT);
        if (!pool.equals("shared") && !pool.equals("per_session")) {
            throw new IllegalArgumentException("setting onnxruntime.thread_pool=" + pool + " must be shared or per_session");
        }
        int cuda = settings.intValue("onnxruntime.cuda_device", 0, 0, 63);
        boolean trt = settings.booleanValue("onnxruntime.tensorrt", false);
        return new OnnxRuntimeOptions(intra, inter, opt, Boolean.parseBoolean(spin), pool.equals("shared"), cuda, trt);
    }
}
