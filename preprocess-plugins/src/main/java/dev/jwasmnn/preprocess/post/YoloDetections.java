package dev.jwasmnn.preprocess.post;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.preprocess.image.ImageGeometry;
import dev.jwasmnn.preprocess.spi.Postprocessor;
import dev.jwasmnn.preprocess.spi.StepContext;
import dev.jwasmnn.preprocess.spi.StepException;
import dev.jwasmnn.preprocess.spi.StepOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * Boxes from a YOLO-style output 0: {@code yolov8} is [1, 4 + classes, candidates] (cx, cy, w, h,
 * class scores), {@code yolov5} is [1, candidates, 5 + classes] (cx, cy, w, h, objectness, class
 * scores). Candidates under {@code score_threshold} are dropped, the rest go through NMS
 * ({@code iou_threshold}, per class unless {@code class_agnostic}), and boxes are mapped back to
 * the original image when the preprocessing recorded how it resized it. Answer:
 * {@code {"detections":[{"class":c,"label":l,"score":s,"box":[x1,y1,x2,y2]}]}}.
 */
final class YoloDetections implements Postprocessor {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private final boolean v5;
    private final float scoreThreshold;
    private final float iouThreshold;
    private final int maxDetections;
    private final boolean classAgnostic;
    private final Labels labels;
    private final String step;

    private YoloDetections(boolean v5, float scoreThreshold, float iouThreshold, int maxDetections,
            boolean classAgnostic, Labels labels, String step) {
        this.v5 = v5;
        this.scoreThreshold = scoreThreshold;
        this.iouThreshold = iouThreshold;
        this.maxDetections = maxDetections;
        this.classAgnostic = classAgnostic;
        this.labels = labels;
        this.step = step;
    }

    static YoloDetections from(StepOptions o) {
        return new YoloDetections(o.string("format", "yolov8", "yolov8", "yolov5").equals("yolov5"),
                (float) o.number("score_threshold", 0.25, 0, 1), (float) o.number("iou_threshold", 0.45, 0, 1),
                o.integer("max_detections", 100, 1, 100_000), o.flag("class_agnostic", false),
                Labels.read(o.file("labels"), o.step()), o.step());
    }

    @Override
    public JsonNode apply(List<Tensor> outputs, StepContext context) {
        Tensor t = outputs.get(0);
        long[] shape = t.shape();
        if (shape.length != 3 || shape[0] != 1) {
            throw new StepException(500, "step '" + step + "' expects a [1, ..., ...] output, got "
                    + java.util.Arrays.toString(shape));
        }
        float[] v = Scores.floats(t, step);
        int candidates = (int) (v5 ? shape[1] : shape[2]);
        int fields = (int) (v5 ? shape[2] : shape[1]);
        int classes = fields - (v5 ? 5 : 4);
        if (classes < 1) {
            throw new StepException(500, "step '" + step + "': output " + java.util.Arrays.toString(shape)
                    + " has no class scores");
        }
        List<double[]> boxes = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> classIds = new ArrayList<>();
        for (int i = 0; i < candidates; i++) {
            int best = 0;
            float bestScore = Float.NEGATIVE_INFINITY;
            float objectness = v5 ? at(v, i, 4, candidates, fields) : 1f;
            for (int c = 0; c < classes; c++) {
                float s = objectness * at(v, i, (v5 ? 5 : 4) + c, candidates, fields);
                if (s > bestScore) {
                    bestScore = s;
                    best = c;
                }
            }
            if (bestScore < scoreThreshold) {
                continue;
            }
            float cx = at(v, i, 0, candidates, fields);
            float cy = at(v, i, 1, candidates, fields);
            float w = at(v, i, 2, candidates, fields);
            float h = at(v, i, 3, candidates, fields);
            boxes.add(new double[] {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2});
            scores.add(bestScore);
            classIds.add(best);
        }
        float[] s = new float[scores.size()];
        int[] c = new int[classIds.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
            c[i] = classIds.get(i);
        }
        int[] keep = Nms.select(boxes.toArray(double[][]::new), s, c, iouThreshold, maxDetections, classAgnostic);
        ImageGeometry g = context == null ? null : context.get(ImageGeometry.class);
        ObjectNode result = JSON.objectNode();
        ArrayNode detections = result.putArray("detections");
        for (int k : keep) {
            double[] b = boxes.get(k);
            ObjectNode d = detections.addObject();
            d.put("class", c[k]);
            String label = labels.of(c[k]);
            if (label != null) {
                d.put("label", label);
            }
            d.put("score", s[k]);
            ArrayNode box = d.putArray("box");
            if (g != null) {
                box.add(g.toOriginalX(b[0])).add(g.toOriginalY(b[1])).add(g.toOriginalX(b[2])).add(g.toOriginalY(b[3]));
            } else {
                box.add(b[0]).add(b[1]).add(b[2]).add(b[3]);
            }
        }
        return result;
    }

    /** Field {@code f} of candidate {@code i} in either memory layout. */
    private float at(float[] v, int i, int f, int candidates, int fields) {
        return v5 ? v[i * fields + f] : v[f * candidates + i];
    }
}
