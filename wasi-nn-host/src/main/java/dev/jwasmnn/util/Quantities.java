package dev.jwasmnn.util;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Human-friendly sizes ({@code 65536}, {@code 64k}, {@code 512MiB}, {@code 1g}) and durations
 * ({@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}; a bare number is seconds), shared by the
 * CLI and the configuration files so both accept the same spellings.
 */
public final class Quantities {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]?)(i?b)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?", Pattern.CASE_INSENSITIVE);

    private Quantities() {}

    /** Bytes; binary multiples (k = 1024). */
    public static long parseBytes(String value) {
        Matcher m = SIZE.matcher(value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a size (examples: 65536, 64k, 512MiB, 1g)");
        }
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + value + "' is too large");
        }
        return n << shift;
    }

    /**
     * The longest duration accepted: anything longer is a typo, and every duration must still fit
     * in the nanoseconds deadlines are counted in.
     */
    public static final Duration MAX_DURATION = Duration.ofDays(365);

    /** A positive duration, at most {@link #MAX_DURATION}. */
    public static Duration parseDuration(String value) {
        Matcher m = DURATION.matcher(value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a duration (examples: 500ms, 30s, 10m, 1h)");
        }
        String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
        Duration d;
        try {
            long n = Long.parseLong(m.group(1));
            d = switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
        } catch (NumberFormatException | ArithmeticException e) {
            d = null;
        }
        if (d == null || d.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("'" + value + "' is too long: durations are at most 365 days");
        }
        if (d.isZero()) {
            throw new IllegalArgumentException("a duration must be positive, got '" + value + "'");
        }
        return d;
    }
}
