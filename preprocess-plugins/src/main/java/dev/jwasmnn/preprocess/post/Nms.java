package dev.jwasmnn.preprocess.post;

import dev.jwasmnn.preprocess.image.OpenCv;
import org.opencv.core.MatOfFloat;
import org.opencv.core.MatOfInt;
import org.opencv.core.MatOfRect2d;
import org.opencv.core.Rect2d;
import org.opencv.dnn.Dnn;

/** Non-maximum suppression through OpenCV's {@code Dnn.NMSBoxes}, optionally per class. */
public final class Nms {
    private Nms() {}

    /**
     * The boxes to keep, best score first. Scores must be positive (probabilities): OpenCV drops
     * boxes scoring 0 or less.
     *
     * @param boxes {x1, y1, x2, y2} per candidate
     * @param classes class per candidate; boxes of different classes never suppress each other
     *     unless {@code classAgnostic}
     */
    public static int[] select(double[][] boxes, float[] scores, int[] classes, float iouThreshold, int maxDetections,
            boolean classAgnostic) {
        if (boxes.length == 0) {
            return new int[0];
        }
        OpenCv.load();
        // Per-class NMS in one call: shift each class's boxes far from the others'.
        double span = 0;
        for (double[] b : boxes) {
            span = Math.max(span, Math.max(Math.abs(b[2]), Math.abs(b[3])));
        }
        double shift = span * 2 + 1;
        Rect2d[] rects = new Rect2d[boxes.length];
        for (int i = 0; i < boxes.length; i++) {
            double off = classAgnostic ? 0 : classes[i] * shift;
            double[] b = boxes[i];
            rects[i] = new Rect2d(b[0] + off, b[1] + off, Math.max(0, b[2] - b[0]), Math.max(0, b[3] - b[1]));
        }
        MatOfRect2d r = new MatOfRect2d(rects);
        MatOfFloat s = new MatOfFloat(scores);
        MatOfInt keep = new MatOfInt();
        try {
            // OpenCV's top_k cuts the candidates before suppression; the limit applies after it.
            Dnn.NMSBoxes(r, s, 0f, iouThreshold, keep, 1.0f, 0);
            int[] all = keep.toArray();
            return all.length <= maxDetections ? all : java.util.Arrays.copyOf(all, maxDetections);
        } finally {
            r.release();
            s.release();
            keep.release();
        }
    }
}
