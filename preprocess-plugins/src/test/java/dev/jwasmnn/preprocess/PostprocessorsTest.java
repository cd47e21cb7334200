package dev.jwasmnn.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.preprocess.image.ImageGeometry;
import dev.jwasmnn.preprocess.post.Nms;
import dev.jwasmnn.preprocess.spi.StepContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** top-k, argmax, NMS and YOLO decoding on constructed cases whose answers are known. */
class PostprocessorsTest {

    static Tensor f32(long[] shape, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return Tensor.of(TensorType.F32, shape, b.array());
    }

    static Pipeline post(String step, Map<String, Object> options, Path dir) {
        return Pipeline.build(null, new AbstractMap.SimpleImmutableEntry<>(step, options), dir);
    }

    @Test
    void topKOrdersBySoftmaxScoreWithLabelsAndBreaksTiesByIndex(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("labels.txt"), "cat\ndog\nbird\nfish\n");
        Pipeline p = post("topk", Map.of("k", 3, "labels", "labels.txt"), dir);
        JsonNode top = p.postprocess(List.of(f32(new long[] {1, 4}, 1f, 3f, 3f, -2f)), new StepContext()).get("top");
        assertThat(top).hasSize(3);
        assertThat(top.get(0).get("class").asInt()).isEqualTo(1);
        assertThat(top.get(0).get("label").asText()).isEqualTo("dog");
        assertThat(top.get(1).get("class").asInt()).as("tie: lower index first").isEqualTo(2);
        assertThat(top.get(2).get("class").asInt()).isEqualTo(0);
        double sum = Math.exp(1) + 2 * Math.exp(3) + Math.exp(-2);
        assertThat(top.get(0).get("score").asDouble()).isCloseTo(Math.exp(3) / sum, org.assertj.core.data.Offset.offset(1e-6));
        JsonNode raw = post("topk", Map.of("k", 1, "softmax", false), dir)
                .postprocess(List.of(f32(new long[] {4}, 1f, 3f, 7f, -2f)), new StepContext());
        assertThat(raw.get("top").get(0).get("score").asDouble()).isEqualTo(7.0);
        JsonNode probabilities = post("softmax", Map.of(), dir)
                .postprocess(List.of(f32(new long[] {1, 3}, 0f, 0f, (float) Math.log(2))), new StepContext());
        assertThat(probabilities.get("probabilities").toString()).isEqualTo("[0.25,0.25,0.5]");
        JsonNode batch = post("argmax", Map.of(), dir)
                .postprocess(List.of(f32(new long[] {2, 3}, 0f, 9f, 1f, 5f, 0f, 1f)), new StepContext());
        assertThat(batch.get("predictions").get(0).get("top").get(0).get("class").asInt()).isEqualTo(1);
        assertThat(batch.get("predictions").get(1).get("top").get(0).get("class").asInt()).isEqualTo(0);
    }

    @Test
    void nmsKeepsTheBestOfOverlappingBoxesPerClass() {
        double[][] boxes = {
            {10, 10, 110, 110}, // 0: best
            {12, 12, 112, 112}, // 1: IoU ~0.92 with 0, same class: suppressed
            {200, 200, 260, 260}, // 2: elsewhere: kept
            {11, 11, 111, 111}, // 3: overlaps 0 but another class: kept unless class-agnostic
            {60, 10, 160, 110}, // 4: IoU 0.33 with 0: kept at 0.45
        };
        float[] scores = {0.9f, 0.8f, 0.7f, 0.6f, 0.5f};
        int[] classes = {0, 0, 0, 1, 0};
        assertThat(Nms.select(boxes, scores, classes, 0.45f, 100, false)).containsExactly(0, 2, 3, 4);
        assertThat(Nms.select(boxes, scores, classes, 0.45f, 100, true)).containsExactly(0, 2, 4);
        assertThat(Nms.select(boxes, scores, classes, 0.2f, 100, false)).containsExactly(0, 2, 3);
        assertThat(Nms.select(boxes, scores, classes, 0.45f, 2, false)).containsExactly(0, 2);
        assertThat(Nms.select(new double[0][], new float[0], new int[0], 0.45f, 10, false)).isEmpty();
    }

    @Test
    void yoloV8OutputIsDecodedSuppressedAndMappedToTheOriginalImage(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("coco.txt"), "person\ncar\n");
        // [1, 4 + 2 classes, 4 candidates], field-major: cx, cy, w, h, score(person), score(car).
        float[] cx = {100, 102, 180, 50};
        float[] cy = {100, 101, 60, 50};
        float[] w = {40, 40, 20, 10};
        float[] h = {80, 80, 20, 10};
        float[] person = {0.9f, 0.8f, 0.1f, 0.05f};
        float[] car = {0.1f, 0.2f, 0.7f, 0.1f};
        float[] all = new float[6 * 4];
        float[][] fields = {cx, cy, w, h, person, car};
        for (int f = 0; f < 6; f++) {
            System.arraycopy(fields[f], 0, all, f * 4, 4);
        }
        StepContext context = new StepContext();
        // As the letterbox step records it for a 640x480 image in a 224x224 input.
        context.put(ImageGeometry.class, new ImageGeometry(640, 480, 0.35, 0.35, 0, 28));
        JsonNode detections = post("yolo", Map.of("labels", "coco.txt"), dir)
                .postprocess(List.of(f32(new long[] {1, 6, 4}, all)), context).get("detections");
        assertThat(detections).hasSize(2);
        JsonNode first = detections.get(0);
        assertThat(first.get("label").asText()).isEqualTo("person");
        assertThat(first.get("score").asDouble()).isCloseTo(0.9, org.assertj.core.data.Offset.offset(1e-6));
        // Model box (80, 60)-(120, 140) -> original ((x - 0) / 0.35, (y - 28) / 0.35).
        assertThat(first.get("box").get(0).asDouble()).isCloseTo(80 / 0.35, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(first.get("box").get(1).asDouble()).isCloseTo(32 / 0.35, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(first.get("box").get(3).asDouble()).isCloseTo(112 / 0.35, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(detections.get(1).get("label").asText()).isEqualTo("car");
    }

    @Test
    void segmentationArgmaxBecomesAPngMaskAtTheOriginalSize(@TempDir Path dir) {
        // [1, 3 classes, 4, 6]: class c wins where the pixel's column band says so.
        int h = 4;
        int w = 6;
        float[] scores = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int winner = x / 2; // columns 0-1 -> 0, 2-3 -> 1, 4-5 -> 2
                scores[winner * h * w + y * w + x] = 5f;
            }
        }
        Pipeline p = post("segmentation", Map.of(), dir);
        JsonNode plain = p.postprocess(List.of(f32(new long[] {1, 3, h, w}, scores)), new StepContext());
        assertThat(plain.get("width").asInt()).isEqualTo(6);
        assertThat(plain.get("classes").toString()).isEqualTo("[0,1,2]");
        byte[] pixels = decodePng(plain.get("mask").asText(), w * h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                assertThat(pixels[y * w + x]).as("pixel %d,%d", x, y).isEqualTo((byte) (x / 2));
            }
        }
        // As if the model input were a 6x4 letterbox of a 12x4 image: rows 1-2 are the image.
        StepContext context = new StepContext();
        context.put(ImageGeometry.class, new ImageGeometry(12, 4, 0.5, 0.5, 0, 1));
        JsonNode original = p.postprocess(List.of(f32(new long[] {1, 3, h, w}, scores)), context);
        assertThat(original.get("width").asInt()).isEqualTo(12);
        assertThat(original.get("height").asInt()).isEqualTo(4);
        byte[] big = decodePng(original.get("mask").asText(), 12 * 4);
        assertThat(big[0]).isEqualTo((byte) 0);
        assertThat(big[11]).isEqualTo((byte) 2);
    }

    private static byte[] decodePng(String base64, int size) {
        dev.jwasmnn.preprocess.image.OpenCv.load();
        org.opencv.core.Mat m = org.opencv.imgcodecs.Imgcodecs.imdecode(
                new org.opencv.core.MatOfByte(java.util.Base64.getDecoder().decode(base64)),
                org.opencv.imgcodecs.Imgcodecs.IMREAD_UNCHANGED);
        try {
            assertThat(m.channels()).isEqualTo(1);
            byte[] out = new byte[size];
            m.get(0, 0, out);
            return out;
        } finally {
            m.release();
        }
    }

    @Test
    void unknownStepsAndWrongKindsFailWhenThePipelineIsBuilt(@TempDir Path dir) {
        assertThatThrownBy(() -> post("bogus", Map.of(), dir)).hasMessageContaining("unknown pipeline step 'bogus'")
                .hasMessageContaining("topk");
        assertThatThrownBy(() -> post("image", Map.of(), dir)).hasMessageContaining("not a postprocessing step");
        assertThatThrownBy(() -> post("topk", Map.of("k", 0), dir)).hasMessageContaining("'k'");
        assertThatThrownBy(() -> post("topk", Map.of("labels", "../../etc/passwd"), dir))
                .hasMessageContaining("inside the model folder");
        assertThatThrownBy(() -> post("topk", Map.of("labels", "missing.txt"), dir)).hasMessageContaining("labels file");
    }
}
