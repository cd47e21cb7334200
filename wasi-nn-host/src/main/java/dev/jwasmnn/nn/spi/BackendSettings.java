package dev.jwasmnn.nn.spi;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * String settings handed to backends, keyed {@code <backend>.<option>} (for example
 * {@code onnxruntime.intra_op_threads}). System properties prefixed {@code jwasmnn.} fill in
 * keys that were not set explicitly.
 */
public final class BackendSettings {
    private static final String SYSTEM_PREFIX = "jwasmnn.";
    private final Map<String, String> values;

    private BackendSettings(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    public static BackendSettings of(Map<String, String> values) {
        return new BackendSettings(values);
    }

    public static BackendSettings defaults() {
        return new BackendSettings(Map.of());
    }

    public Optional<String> get(String key) {
        String v = values.get(key);
        if (v == null) {
            v = System.getProperty(SYSTEM_PREFIX + key);
        }
        return Optional.ofNullable(v).map(String::trim).filter(s -> !s.isEmpty());
    }

    /** An integer setting; an unparsable or out-of-range value is a configuration error. */
    public int intValue(String key, int defaultValue, int min, int max) {
        Optional<String> raw = get(key);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            int v = Integer.parseInt(raw.get());
            if (v < min || v > max) {
                throw new IllegalArgumentException();
            }
            return v;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "setting " + key + "=" + raw.get() + " must be an integer from " + min + " to " + max);
        }
    }

    /** A boolean setting: {@code true} or {@code false}, anything else is a configuration error. */
    public boolean booleanValue(String key, boolean defaultValue) {
        Optional<String> raw = get(key);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        return switch (raw.get().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("setting " + key + "=" + raw.get() + " must be true or false");
        };
    }

    public Map<String, String> asMap() {
        return new TreeMap<>(values);
    }
}
