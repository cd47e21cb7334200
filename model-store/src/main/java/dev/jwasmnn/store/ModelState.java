package dev.jwasmnn.store;

/** Where a model is in its lifecycle. A model keeps serving its current version while LOADING. */
public enum ModelState {
    /** Known on disk (or requested) and not loaded. */
    UNAVAILABLE,
    /** A load or reload is running; if a version was served before, it still is. */
    LOADING,
    /** At least one version serves requests. */
    READY,
    /** The last load failed and no version serves. */
    FAILED,
    /** Being unloaded: no new requests, in-flight ones drain. */
    UNLOADING
}
