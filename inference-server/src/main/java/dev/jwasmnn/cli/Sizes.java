package dev.jwasmnn.cli;

import dev.jwasmnn.util.Quantities;
import java.time.Duration;
import picocli.CommandLine;

/** picocli converters for {@link Quantities}: sizes ({@code 512m}) and durations ({@code 30s}). */
final class Sizes {

    private Sizes() {}

    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Quantities.parseBytes(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Quantities.parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
