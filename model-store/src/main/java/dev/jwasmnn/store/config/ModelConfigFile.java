package dev.jwasmnn.store.config;

import java.util.List;
import java.util.Map;

/**
 * {@code config.yaml} exactly as written, before defaults and checks (see {@link ModelConfig}).
 * Keys are snake_case; every field is optional.
 */
record ModelConfigFile(
        String backend,
        String target,
        String gpuPolicy,
        List<TensorFile> inputs,
        List<TensorFile> outputs,
        GuestFile guest,
        Integer concurrency,
        Integer inFlight,
        Integer maxQueue,
        String deadline,
        VersionPolicyFile versionPolicy,
        Boolean warmup,
        List<String> warmupInputs,
        String drainTimeout,
        Map<String, Object> pipeline) {

    record TensorFile(String name, String datatype, List<Long> shape) {}

    record GuestFile(
            String module,
            List<String> args,
            Map<String, String> env,
            String memory,
            String maxStdout,
            String maxStderr,
            String response,
            String contentType,
            List<String> grants,
            Boolean allowModelBytes,
            Boolean allowCv) {}

    record VersionPolicyFile(Integer latest, Boolean all, List<Long> specific) {}
}
