package dev.jwasmnn.preprocess.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A step's options from the model's config, with typed getters whose errors name the step and the
 * key, and a check that no unknown key is left. {@code modelDir} resolves files such as labels.
 */
public final class StepOptions {
    private final String step;
    private final Map<String, Object> values;
    private final Path modelDir;
    private final Set<String> read = new TreeSet<>();

    public StepOptions(String step, Map<String, Object> values, Path modelDir) {
        this.step = step;
        this.values = Map.copyOf(values);
        this.modelDir = modelDir;
    }

    public String step() {
        return step;
    }

    public Path modelDir() {
        return modelDir;
    }

    private Object raw(String key) {
        read.add(key);
        return values.get(key);
    }

    public IllegalArgumentException error(String key, String expected, Object got) {
        return new IllegalArgumentException("step '" + step + "': option '" + key + "' must be " + expected
                + (got == null ? "" : ", got '" + got + "'"));
    }

    public String string(String key, String defaultValue, String... allowed) {
        Object v = raw(key);
        if (v == null) {
            return defaultValue;
        }
        String s = v.toString().trim().toLowerCase(Locale.ROOT);
        if (allowed.length > 0 && !List.of(allowed).contains(s)) {
            throw error(key, "one of " + List.of(allowed), v);
        }
        return s;
    }

    public double number(String key, double defaultValue, double min, double max) {
        Object v = raw(key);
        if (v == null) {
            return defaultValue;
        }
        if (!(v instanceof Number n) || n.doubleValue() < min || n.doubleValue() > max) {
            throw error(key, "a number from " + min + " to " + max, v);
        }
        return n.doubleValue();
    }

    public int integer(String key, int defaultValue, int min, int max) {
        Object v = raw(key);
        if (v == null) {
            return defaultValue;
        }
        if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < min
                || ((Number) v).longValue() > max) {
            throw error(key, "a whole number from " + min + " to " + max, v);
        }
        return ((Number) v).intValue();
    }

    public boolean flag(String key, boolean defaultValue) {
        Object v = raw(key);
        if (v == null) {
            return defaultValue;
        }
        if (!(v instanceof Boolean b)) {
            throw error(key, "true or false", v);
        }
        return b;
    }

    /** Whether the option is present as a list (for options that take a number or a list). */
    public boolean isList(String key) {
        return values.get(key) instanceof List<?>;
    }

    /** A list of exactly {@code n} numbers (n = 0: any length), or the default. */
    public double[] numbers(String key, double[] defaultValue, int n) {
        Object v = raw(key);
        if (v == null) {
            return defaultValue;
        }
        if (!(v instanceof List<?> list) || (n > 0 && list.size() != n)
                || !list.stream().allMatch(e -> e instanceof Number)) {
            throw error(key, n > 0 ? "a list of " + n + " numbers" : "a list of numbers", v);
        }
        return list.stream().mapToDouble(e -> ((Number) e).doubleValue()).toArray();
    }

    /** A file inside the model folder, or null when the key is absent. */
    public Path file(String key) {
        Object v = raw(key);
        if (v == null) {
            return null;
        }
        Path dir = modelDir.toAbsolutePath().normalize();
        Path p = dir.resolve(v.toString()).normalize();
        if (!p.startsWith(dir)) {
            throw error(key, "a file inside the model folder", v);
        }
        return p;
    }

    /** Fails on keys no getter asked for: a typo must not be silently ignored. */
    public void checkAllRead() {
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(read);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("step '" + step + "': unknown option(s) " + unknown
                    + " (known: " + read + ")");
        }
    }
}
