package dev.jwasmnn.store.config;

/** What loading does when a model asks for the GPU and no usable GPU exists. */
public enum GpuPolicy {
    /** The load fails (wasi-nn runtime_error) and names what is missing. */
    FAIL,
    /** The model loads on the CPU and a warning is logged and shown in its status. */
    FALLBACK
}
