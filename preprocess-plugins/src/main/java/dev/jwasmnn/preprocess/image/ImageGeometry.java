package dev.jwasmnn.preprocess.image;

/**
 * How a model input was cut from the original image, so boxes found in model coordinates can be
 * mapped back: original = (model - offset) / scale, per axis.
 */
public record ImageGeometry(int originalWidth, int originalHeight, double scaleX, double scaleY,
        double offsetX, double offsetY) {

    public double toOriginalX(double modelX) {
        return clamp((modelX - offsetX) / scaleX, originalWidth);
    }

    public double toOriginalY(double modelY) {
        return clamp((modelY - offsetY) / scaleY, originalHeight);
    }

    private static double clamp(double v, int max) {
        return Math.max(0, Math.min(max, v));
    }
}
