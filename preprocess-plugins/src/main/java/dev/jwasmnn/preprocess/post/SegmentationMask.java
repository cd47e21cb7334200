package dev.jwasmnn.preprocess.post;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.preprocess.image.ImageGeometry;
import dev.jwasmnn.preprocess.image.OpenCv;
import dev.jwasmnn.preprocess.spi.Postprocessor;
import dev.jwasmnn.preprocess.spi.StepContext;
import dev.jwasmnn.preprocess.spi.StepException;
import dev.jwasmnn.preprocess.spi.StepOptions;
import java.util.Base64;
import java.util.List;
import java.util.TreeSet;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * Semantic segmentation from output 0, [1, classes, H, W] scores: the best class per pixel as an
 * 8-bit PNG whose pixel values are class indices (up to 256 classes). When the image step
 * recorded its geometry, the mask is cut to the image's area and scaled back to its original size
 * (nearest neighbour, so classes never blend), unless {@code original_size: false}.
 * {@code {"width":w,"height":h,"classes":[present ...],"mask":"<base64 PNG>"}}.
 */
final class SegmentationMask implements Postprocessor {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private final boolean originalSize;
    private final String step;

    private SegmentationMask(boolean originalSize, String step) {
        this.originalSize = originalSize;
        this.step = step;
    }

    static SegmentationMask from(StepOptions o) {
        return new SegmentationMask(o.flag("original_size", true), o.step());
    }

    @Override
    public JsonNode apply(List<Tensor> outputs, StepContext context) {
        Tensor t = outputs.get(0);
        long[] shape = t.shape();
        if (shape.length != 4 || shape[0] != 1 || shape[1] < 1 || shape[1] > 256) {
            throw new StepException(500, "step '" + step + "' expects a [1, classes (1-256), H, W] output, got "
                    + java.util.Arrays.toString(shape));
        }
        int classes = (int) shape[1];
        int h = (int) shape[2];
        int w = (int) shape[3];
        float[] scores = Scores.floats(t, step);
        int plane = h * w;
        byte[] labels = new byte[plane];
        TreeSet<Integer> present = new TreeSet<>();
        for (int i = 0; i < plane; i++) {
            int best = 0;
            float bestScore = scores[i];
            for (int c = 1; c < classes; c++) {
                float v = scores[c * plane + i];
                if (v > bestScore) {
                    bestScore = v;
                    best = c;
                }
            }
            labels[i] = (byte) best;
            present.add(best);
        }
        OpenCv.load();
        Mat mask = new Mat(h, w, CvType.CV_8UC1);
        Mat out = mask;
        MatOfByte png = new MatOfByte();
        try {
            mask.put(0, 0, labels);
            ImageGeometry g = context == null ? null : context.get(ImageGeometry.class);
            if (originalSize && g != null) {
                out = toOriginal(mask, g, w, h);
            }
            if (!Imgcodecs.imencode(".png", out, png)) {
                throw new StepException(500, "step '" + step + "': PNG encoding failed");
            }
            ObjectNode result = JSON.objectNode();
            result.put("width", out.cols());
            result.put("height", out.rows());
            present.forEach(result.putArray("classes")::add);
            result.put("mask", Base64.getEncoder().encodeToString(png.toArray()));
            return result;
        } finally {
            if (out != mask) {
                out.release();
            }
            mask.release();
            png.release();
        }
    }

    /** The part of the mask that covers the image (not letterbox padding), at the image's size. */
    private static Mat toOriginal(Mat mask, ImageGeometry g, int w, int h) {
        int x0 = (int) Math.max(0, Math.round(g.offsetX()));
        int y0 = (int) Math.max(0, Math.round(g.offsetY()));
        int x1 = (int) Math.min(w, Math.round(g.offsetX() + g.originalWidth() * g.scaleX()));
        int y1 = (int) Math.min(h, Math.round(g.offsetY() + g.originalHeight() * g.scaleY()));
        Mat scaled = new Mat();
        if (x1 <= x0 || y1 <= y0) {
            return scaled; // nothing of the image is in view
        }
        Mat area = mask.submat(new Rect(x0, y0, x1 - x0, y1 - y0));
        try {
            Imgproc.resize(area, scaled, new Size(g.originalWidth(), g.originalHeight()), 0, 0, Imgproc.INTER_NEAREST);
            return scaled;
        } finally {
            area.release();
        }
    }
}
