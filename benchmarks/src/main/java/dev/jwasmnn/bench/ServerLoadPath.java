package dev.jwasmnn.bench;

import java.util.Map;

/** The two ways a request reaches a model, each with its goal for the server's added latency at c=1. */
enum ServerLoadPath {
    /** Open Inference Protocol V2, raw single-tensor form: the body is the input tensor's bytes. */
    V2_RAW("V2 raw", 150, Map.of("Content-Type", "application/octet-stream", "Inference-Header-Content-Length", "0")),
    /** The model's raw-infer guest: a fresh instance per request, the tensor in on stdin, out on stdout. */
    GUEST("guest", 250, Map.of("Content-Type", "application/octet-stream"));

    final String label;
    final double overheadGoalMicros;
    final Map<String, String> headers;

    ServerLoadPath(String label, double overheadGoalMicros, Map<String, String> headers) {
        this.label = label;
        this.overheadGoalMicros = overheadGoalMicros;
        this.headers = headers;
    }

    String urlPath(ServerLoadModel m) {
        return this == V2_RAW ? "/v2/models/" + m.name() + "/infer" : "/v1/infer/" + m.guestName();
    }
}
