package dev.jwasmnn.bench;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Median and range of one figure over the rounds, and the report's number formats. */
record ServerLoadStats(double median, double min, double max) {

    static ServerLoadStats of(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return new ServerLoadStats(Double.NaN, Double.NaN, Double.NaN);
        }
        int mid = v.length / 2;
        double median = v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
        return new ServerLoadStats(median, v[0], v[v.length - 1]);
    }

    /** "median (min–max)"; just the median when there was one round. */
    String format(Function<Double, String> fmt) {
        String lo = fmt.apply(min);
        String hi = fmt.apply(max);
        return lo.equals(hi) ? fmt.apply(median) : fmt.apply(median) + " (" + lo + "–" + hi + ")";
    }

    static String micros(double us) {
        if (Double.isNaN(us)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, Math.abs(us) < 10 ? "%.2f" : Math.abs(us) < 100 ? "%.1f" : "%.0f", us);
    }

    static String signedMicros(double us) {
        return (us >= 0 ? "+" : "−") + micros(Math.abs(us));
    }

    static String rate(double perSecond) {
        return String.format(Locale.ROOT, "%.0f", perSecond);
    }

    static String percent(double share) {
        return Double.isNaN(share) ? "n/a" : String.format(Locale.ROOT, "%.0f%%", share * 100);
    }

    static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2f", r);
    }
}
