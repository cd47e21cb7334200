package dev.jwasmnn.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.preprocess.image.ImageGeometry;
import dev.jwasmnn.preprocess.image.ImagePreprocessor;
import dev.jwasmnn.preprocess.image.OpenCv;
import dev.jwasmnn.preprocess.spi.StepContext;
import dev.jwasmnn.preprocess.spi.StepException;
import dev.jwasmnn.preprocess.spi.StepOptions;
import dev.jwasmnn.testing.TestAssets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * The image step on real encoded images against an independent reference (torch's bilinear
 * interpolate in make-test-models.py) for every resize mode, and its refusals.
 */
class ImagePreprocessorTest {

    static ImagePreprocessor step(Map<String, Object> options) {
        StepOptions o = new StepOptions("image", options, Path.of("."));
        ImagePreprocessor p = ImagePreprocessor.from(o);
        o.checkAllRead();
        return p;
    }

    static float[] floats(Tensor t) {
        ByteBuffer b = t.data().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[(int) t.elementCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.type() == TensorType.F16 ? Float.float16ToFloat(b.getShort(2 * i)) : b.getFloat(4 * i);
        }
        return out;
    }

    static double maxDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"photo-640x480, stretch", "photo-640x480, crop", "photo-640x480, letterbox",
            "photo-300x400, stretch", "photo-300x400, crop", "photo-300x400, letterbox"})
    void eachResizeModeMatchesTheReferenceWithin1e3(String image, String mode) {
        Tensor t = step(Map.of("resize", mode)).apply(TestAssets.bytes(TestAssets.model(image + ".png")),
                "image/png", new StepContext()).get(0);
        assertThat(t.type()).isEqualTo(TensorType.F32);
        assertThat(t.shape()).containsExactly(1, 3, 224, 224);
        float[] reference = TestAssets.floats(TestAssets.model(image + "." + mode + ".f32"));
        assertThat(maxDiff(floats(t), reference)).as("%s %s", image, mode).isLessThanOrEqualTo(1e-3);
    }

    @Test
    void aBmpAtTheModelSizeGivesTheModelsReferenceInput() {
        // 224x224 in, stretch to 224x224 is the identity: only normalisation and layout remain,
        // so the tensor is MobileNetV2's reference input made from the same picture.
        Tensor t = step(Map.of("resize", "stretch")).apply(TestAssets.bytes(TestAssets.model("sample-224.bmp")),
                "image/bmp", new StepContext()).get(0);
        float[] reference = TestAssets.floats(TestAssets.model("mobilenet_v2.input.f32"));
        assertThat(maxDiff(floats(t), reference)).isLessThanOrEqualTo(1e-5);
    }

    @Test
    void jpegDecodesToThePixelsPillowDecodes() {
        byte[] jpeg = TestAssets.bytes(TestAssets.model("photo-640x480.jpg"));
        byte[] pillow = TestAssets.bytes(TestAssets.model("photo-640x480.jpg.rgb"));
        OpenCv.load();
        Mat bgr = Imgcodecs.imdecode(new MatOfByte(jpeg), Imgcodecs.IMREAD_COLOR);
        try {
            byte[] ours = new byte[pillow.length];
            bgr.get(0, 0, ours);
            int worst = 0;
            for (int i = 0; i < ours.length; i += 3) {
                for (int c = 0; c < 3; c++) {
                    worst = Math.max(worst, Math.abs((ours[i + 2 - c] & 0xFF) - (pillow[i + c] & 0xFF)));
                }
            }
            // Both are libjpeg-turbo, but builds may pick different IDCTs or upsampling.
            assertThat(worst).as("largest channel difference, 0-255").isLessThanOrEqualTo(2);
        } finally {
            bgr.release();
        }
    }

    @Test
    void theSystemsSimdJpegDecoderIsUsedAndAgreesWithOpenCvs() {
        // Installed by scripts/install-deps (libturbojpeg0); without it the step falls back to OpenCV.
        assertThat(dev.jwasmnn.preprocess.image.TurboJpegProbe.available()).isTrue();
        byte[] jpeg = TestAssets.bytes(TestAssets.model("photo-640x480.jpg"));
        OpenCv.load();
        Mat viaOpenCv = Imgcodecs.imdecode(new MatOfByte(jpeg), Imgcodecs.IMREAD_COLOR);
        Mat viaTurbo = dev.jwasmnn.preprocess.image.TurboJpegProbe.decode(jpeg);
        try {
            byte[] a = new byte[640 * 480 * 3];
            byte[] b = new byte[a.length];
            viaOpenCv.get(0, 0, a);
            viaTurbo.get(0, 0, b);
            int worst = 0;
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs((a[i] & 0xFF) - (b[i] & 0xFF)));
            }
            assertThat(worst).as("largest channel difference, 0-255").isLessThanOrEqualTo(2);
        } finally {
            viaOpenCv.release();
            viaTurbo.release();
        }
    }

    @Test
    void exifOrientationIsApplied() {
        // Stored 400x300 with orientation 6: upright it is the 300x400 photo.
        StepContext context = new StepContext();
        Tensor t = step(Map.of("resize", "stretch")).apply(
                TestAssets.bytes(TestAssets.model("photo-300x400.exif6.jpg")), "image/jpeg", context).get(0);
        ImageGeometry g = context.get(ImageGeometry.class);
        assertThat(g.originalWidth()).isEqualTo(300);
        assertThat(g.originalHeight()).isEqualTo(400);
        float[] upright = TestAssets.floats(TestAssets.model("photo-300x400.stretch.f32"));
        float[] got = floats(t);
        double sum = 0;
        double turned = 0;
        int plane = 224 * 224;
        for (int i = 0; i < got.length; i++) {
            sum += Math.abs(got[i] - upright[i]);
            // The same reference turned upside down: what a wrong rotation would be compared with.
            int c = i / plane;
            int p = i % plane;
            turned += Math.abs(got[i] - upright[c * plane + (plane - 1 - p)]);
        }
        // JPEG loss (quality 95, chroma subsampled, a fine checkerboard) vs a wrong orientation.
        assertThat(sum / got.length).as("mean |diff| vs the upright PNG's reference").isLessThan(0.1);
        assertThat(turned / got.length).as("mean |diff| vs the reference upside down").isGreaterThan(0.5);
    }

    @Test
    void layoutDtypeAndColourOptionsShapeTheTensor() {
        byte[] png = TestAssets.bytes(TestAssets.model("photo-640x480.png"));
        float[] nchw = floats(step(Map.of("resize", "stretch")).apply(png, null, new StepContext()).get(0));
        Tensor nhwc = step(Map.of("resize", "stretch", "layout", "nhwc")).apply(png, null, new StepContext()).get(0);
        assertThat(nhwc.shape()).containsExactly(1, 224, 224, 3);
        float[] hwc = floats(nhwc);
        int plane = 224 * 224;
        for (int i = 0; i < plane; i += 997) {
            for (int c = 0; c < 3; c++) {
                assertThat(hwc[3 * i + c]).isEqualTo(nchw[c * plane + i]);
            }
        }
        Tensor half = step(Map.of("resize", "stretch", "dtype", "f16")).apply(png, null, new StepContext()).get(0);
        assertThat(half.type()).isEqualTo(TensorType.F16);
        assertThat(maxDiff(floats(half), nchw)).isLessThanOrEqualTo(5e-3);
        Tensor bgr = step(Map.of("resize", "stretch", "color", "bgr")).apply(png, null, new StepContext()).get(0);
        float[] swapped = floats(bgr);
        // Channel 0 of BGR is the blue plane: RGB's plane 2 normalised with mean/std of index 0.
        double blue = (nchw[2 * plane + 5] * 0.225 + 0.406 - 0.485) / 0.229;
        assertThat(swapped[5]).isCloseTo((float) blue, org.assertj.core.data.Offset.offset(1e-4f));
        Tensor raw = step(Map.of("resize", "stretch", "dtype", "u8", "size", List.of(100, 120)))
                .apply(png, null, new StepContext()).get(0);
        assertThat(raw.type()).isEqualTo(TensorType.U8);
        assertThat(raw.shape()).containsExactly(1, 3, 100, 120);
    }

    @Test
    void aJsonBodyWithSeveralImagesBecomesOneBatch() {
        byte[] a = TestAssets.bytes(TestAssets.model("photo-640x480.png"));
        byte[] b = TestAssets.bytes(TestAssets.model("photo-300x400.png"));
        String json = "{\"images\":[\"" + java.util.Base64.getEncoder().encodeToString(a) + "\",\""
                + java.util.Base64.getEncoder().encodeToString(b) + "\"]}";
        ImagePreprocessor p = step(Map.of("resize", "crop"));
        Tensor batch = p.apply(json.getBytes(), "application/json", new StepContext()).get(0);
        assertThat(batch.shape()).containsExactly(2, 3, 224, 224);
        float[] all = floats(batch);
        int one = 3 * 224 * 224;
        float[] first = Arrays.copyOfRange(all, 0, one);
        float[] second = Arrays.copyOfRange(all, one, 2 * one);
        assertThat(maxDiff(first, TestAssets.floats(TestAssets.model("photo-640x480.crop.f32")))).isLessThanOrEqualTo(1e-3);
        assertThat(maxDiff(second, TestAssets.floats(TestAssets.model("photo-300x400.crop.f32")))).isLessThanOrEqualTo(1e-3);
        assertThatThrownBy(() -> p.apply("{\"images\":[\"%%%\"]}".getBytes(), "application/json", new StepContext()))
                .hasMessageContaining("images[0]").hasMessageContaining("base64");
        assertThatThrownBy(() -> p.apply("{\"images\":[]}".getBytes(), "application/json", new StepContext()))
                .extracting(e -> ((StepException) e).status()).isEqualTo(400);
        ImagePreprocessor small = step(Map.of("max_batch", 1));
        assertThatThrownBy(() -> small.apply(json.getBytes(), "application/json", new StepContext()))
                .extracting(e -> ((StepException) e).status()).isEqualTo(413);
    }

    @Test
    void letterboxRecordsHowToMapBoxesBack() {
        StepContext context = new StepContext();
        step(Map.of("resize", "letterbox")).apply(TestAssets.bytes(TestAssets.model("photo-640x480.png")), null, context);
        ImageGeometry g = context.get(ImageGeometry.class);
        // 640x480 fits 224x168, centred 28 px down.
        assertThat(g.scaleX()).isEqualTo(224.0 / 640);
        assertThat(g.offsetY()).isEqualTo(28);
        assertThat(g.toOriginalX(112)).isCloseTo(320, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(g.toOriginalY(28 + 84)).isCloseTo(240, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void unsupportedCorruptAndHugeImagesAreRefusedWithTheirStatus() {
        ImagePreprocessor p = step(Map.of());
        assertThatThrownBy(() -> p.apply("GIF89a....".getBytes(), "image/gif", new StepContext()))
                .isInstanceOf(StepException.class).hasMessageContaining("not a JPEG, PNG or BMP")
                .extracting(e -> ((StepException) e).status()).isEqualTo(415);
        byte[] jpeg = TestAssets.bytes(TestAssets.model("photo-640x480.jpg"));
        // libjpeg decodes damaged entropy-coded data into wrong pixels without an error; what it
        // cannot decode at all is a damaged header: here every Huffman table is overwritten.
        byte[] garbage = Arrays.copyOf(jpeg, jpeg.length);
        for (int i = 2; i + 4 < garbage.length && !(garbage[i] == (byte) 0xFF && garbage[i + 1] == (byte) 0xDA); ) {
            int length = ((garbage[i + 2] & 0xFF) << 8) | (garbage[i + 3] & 0xFF);
            if (garbage[i + 1] == (byte) 0xC4) {
                Arrays.fill(garbage, i + 4, i + 2 + length, (byte) 0xFF);
            }
            i += 2 + length;
        }
        assertThatThrownBy(() -> p.apply(Arrays.copyOf(jpeg, 20), "image/jpeg", new StepContext()))
                .isInstanceOf(StepException.class).extracting(e -> ((StepException) e).status()).isEqualTo(400);
        assertThatThrownBy(() -> p.apply(garbage, "image/jpeg", new StepContext()))
                .isInstanceOf(StepException.class).hasMessageContaining("could not be decoded")
                .extracting(e -> ((StepException) e).status()).isEqualTo(400);
        // A valid PNG signature and header claiming 30000x30000, and nothing else: refused from
        // the header, before a decoder could allocate 2.7 GB.
        ByteBuffer png = ByteBuffer.allocate(33);
        png.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'});
        png.putInt(30000).putInt(30000).put(new byte[] {8, 2, 0, 0, 0, 0, 0, 0, 0});
        assertThatThrownBy(() -> p.apply(png.array(), "image/png", new StepContext()))
                .isInstanceOf(StepException.class).hasMessageContaining("30000x30000")
                .extracting(e -> ((StepException) e).status()).isEqualTo(413);
        byte[] hugeJpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0, 0, 17, 8, 0x75, 0x30, 0x75, 0x30, 3};
        assertThatThrownBy(() -> p.apply(hugeJpeg, "image/jpeg", new StepContext()))
                .isInstanceOf(StepException.class).extracting(e -> ((StepException) e).status()).isEqualTo(413);
        // Still works afterwards.
        assertThat(p.apply(jpeg, "image/jpeg", new StepContext())).hasSize(1);
    }

    @Test
    void badOptionsNameTheStepAndTheKey() {
        assertThatThrownBy(() -> step(Map.of("resize", "squash"))).hasMessageContaining("'resize'")
                .hasMessageContaining("letterbox");
        assertThatThrownBy(() -> step(Map.of("std", List.of(1, 0, 1)))).hasMessageContaining("'std'");
        Map<String, Object> typo = new HashMap<>();
        typo.put("sise", 224);
        assertThatThrownBy(() -> step(typo)).hasMessageContaining("unknown option").hasMessageContaining("sise");
        assertThatThrownBy(() -> step(Map.of("resize", "crop", "size", 300, "resize_short", 256)))
                .hasMessageContaining("resize_short");
    }
}
