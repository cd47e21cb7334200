package dev.jwasmnn.nn.spi;

import java.util.Objects;

/**
 * Whether a backend can run graphs on a GPU, found out once per backend: probing CUDA can take
 * seconds when its libraries are missing, so it never happens per request.
 *
 * @param device the device graphs would run on, e.g. {@code cuda:0}, when usable
 * @param missing what is missing, for logs and errors, when not usable
 */
public record GpuProbe(boolean usable, String device, String missing) {

    public GpuProbe {
        Objects.requireNonNull(device);
        Objects.requireNonNull(missing);
    }

    public static GpuProbe usable(String device) {
        return new GpuProbe(true, device, "");
    }

    public static GpuProbe unavailable(String missing) {
        return new GpuProbe(false, "", missing);
    }
}
