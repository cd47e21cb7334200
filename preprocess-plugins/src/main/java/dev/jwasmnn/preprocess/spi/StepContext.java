package dev.jwasmnn.preprocess.spi;

import java.util.HashMap;
import java.util.Map;

/** Per-request facts one step leaves for a later one, keyed by type. Not thread-safe: one request. */
public final class StepContext {
    private final Map<Class<?>, Object> facts = new HashMap<>();

    public <T> void put(Class<T> type, T value) {
        facts.put(type, value);
    }

    public <T> T get(Class<T> type) {
        return type.cast(facts.get(type));
    }
}
