package dev.jwasmnn.preprocess.image;

import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.preprocess.spi.Preprocessor;
import dev.jwasmnn.preprocess.spi.StepContext;
import dev.jwasmnn.preprocess.spi.StepException;
import dev.jwasmnn.preprocess.spi.StepOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * An encoded image (JPEG, PNG, BMP) to one model input tensor with OpenCV: decode (EXIF
 * orientation applied), colour order, resize (stretch, shorter side + centre crop, letterbox),
 * scale and mean/std normalisation, NCHW or NHWC, f32, f16 or u8. Resizing runs on float pixels,
 * so the result is bilinear interpolation without 8-bit rounding in between.
 *
 * <p>Every Mat is released before {@link #apply} returns; the size in the header is checked
 * against {@code max_pixels} before anything is decoded.
 */
public final class ImagePreprocessor implements Preprocessor {
    /**
     * Default bound on decoded pixels: 40 megapixels. Such an image takes 120 MB as 8-bit RGB and,
     * since resizing runs on float pixels, 480 MB more while it is resized; per request, so lower
     * {@code max_pixels} when many large images may arrive at once.
     */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

    private final int height;
    private final int width;
    private final ResizeMode mode;
    private final int resizeShort;
    private final boolean rgb;
    private final double scale;
    private final double[] mean;
    private final double[] std;
    private final boolean nchw;
    private final TensorType dtype;
    private final double pad;
    private final long maxPixels;
    private final int maxBatch;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    ImagePreprocessor(int height, int width, ResizeMode mode, int resizeShort, boolean rgb, double scale,
            double[] mean, double[] std, boolean nchw, TensorType dtype, double pad, long maxPixels, int maxBatch) {
        this.maxBatch = maxBatch;
        this.height = height;
        this.width = width;
        this.mode = mode;
        this.resizeShort = resizeShort;
        this.rgb = rgb;
        this.scale = scale;
        this.mean = mean.clone();
        this.std = std.clone();
        this.nchw = nchw;
        this.dtype = dtype;
        this.pad = pad;
        this.maxPixels = maxPixels;
    }

    /**
     * Options: {@code size} (224, or [height, width]), {@code resize} (stretch|crop|letterbox),
     * {@code resize_short} (crop: shorter side before cropping, default size * 256/224),
     * {@code color} (rgb|bgr), {@code scale} (default 1/255), {@code mean} and {@code std}
     * (three numbers, in scaled units; default ImageNet's), {@code layout} (nchw|nhwc),
     * {@code dtype} (f32|f16|u8; u8 skips scaling and normalisation), {@code pad} (letterbox fill,
     * 0-255, default 114), {@code max_pixels}, {@code max_batch} (images in one JSON body, default 32).
     */
    public static ImagePreprocessor from(StepOptions o) {
        int h;
        int w;
        if (o.isList("size")) {
            double[] size = o.numbers("size", null, 2);
            h = (int) size[0];
            w = (int) size[1];
        } else {
            h = w = o.integer("size", 224, 1, 8192);
        }
        if (h < 1 || w < 1 || h > 8192 || w > 8192) {
            throw o.error("size", "from 1 to 8192", h + "x" + w);
        }
        ResizeMode mode = ResizeMode.valueOf(o.string("resize", "crop", "stretch", "crop", "letterbox").toUpperCase());
        int resizeShort = o.integer("resize_short", (int) Math.round(Math.max(h, w) * 256.0 / 224.0), 1, 16384);
        if (mode == ResizeMode.CROP && resizeShort < Math.max(h, w)) {
            throw o.error("resize_short", "at least the larger side of size (" + Math.max(h, w) + ")", resizeShort);
        }
        boolean rgb = o.string("color", "rgb", "rgb", "bgr").equals("rgb");
        double scale = o.number("scale", 1.0 / 255.0, -1e6, 1e6);
        double[] mean = o.numbers("mean", new double[] {0.485, 0.456, 0.406}, 3);
        double[] std = o.numbers("std", new double[] {0.229, 0.224, 0.225}, 3);
        for (double s : std) {
            if (s == 0) {
                throw o.error("std", "three non-zero numbers", 0);
            }
        }
        boolean nchw = o.string("layout", "nchw", "nchw", "nhwc").equals("nchw");
        TensorType dtype = switch (o.string("dtype", "f32", "f32", "f16", "u8")) {
            case "f16" -> TensorType.F16;
            case "u8" -> TensorType.U8;
            default -> TensorType.F32;
        };
        double pad = o.number("pad", 114, 0, 255);
        long maxPixels = (long) o.number("max_pixels", DEFAULT_MAX_PIXELS, 1, 1e10);
        int maxBatch = o.integer("max_batch", 32, 1, 1024);
        return new ImagePreprocessor(h, w, mode, resizeShort, rgb, scale, mean, std, nchw, dtype, pad, maxPixels,
                maxBatch);
    }

    /**
     * One encoded image, or, for a JSON body {@code {"images": ["<base64>", ...]}}, several
     * images as one batch: a tensor of N along the first dimension (the model needs a dynamic
     * batch dimension). Every image is checked before any is decoded.
     */
    @Override
    public List<Tensor> apply(byte[] body, String contentType, StepContext context) {
        if (contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            return List.of(batch(body, context));
        }
        return List.of(one(body, context));
    }

    private Tensor batch(byte[] json, StepContext context) {
        List<byte[]> images = new ArrayList<>();
        try {
            com.fasterxml.jackson.databind.JsonNode root = JSON.readTree(json);
            com.fasterxml.jackson.databind.JsonNode list = root == null ? null : root.get("images");
            if (list == null || !list.isArray() || list.isEmpty()) {
                throw new StepException(400, "a JSON body must be {\"images\": [\"<base64>\", ...]} with at least one image");
            }
            if (list.size() > maxBatch) {
                throw new StepException(413, "the batch has " + list.size() + " images; at most " + maxBatch);
            }
            for (int i = 0; i < list.size(); i++) {
                if (!list.get(i).isTextual()) {
                    throw new StepException(400, "images[" + i + "] is not a base64 string");
                }
                try {
                    // Strict base64; line breaks some encoders insert are allowed.
                    images.add(java.util.Base64.getDecoder().decode(list.get(i).asText().replaceAll("\\s", "")));
                } catch (IllegalArgumentException e) {
                    throw new StepException(400, "images[" + i + "] is not valid base64: " + e.getMessage());
                }
            }
        } catch (java.io.IOException e) {
            throw new StepException(400, "the JSON body does not parse: " + e.getMessage());
        }
        List<ImageHeader> headers = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            headers.add(checkHeader(images.get(i), "images[" + i + "]: "));
        }
        List<Tensor> tensors = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            try {
                // Boxes map back to the first image's geometry; a batch is for classification.
                tensors.add(decoded(images.get(i), headers.get(i), i == 0 ? context : null));
            } catch (StepException e) {
                throw new StepException(e.status(), "images[" + i + "]: " + e.getMessage());
            }
        }
        if (tensors.size() == 1) {
            return tensors.get(0);
        }
        Tensor first = tensors.get(0);
        long[] shape = first.shape();
        shape[0] = tensors.size();
        ByteBuffer all = ByteBuffer.allocate(first.byteLength() * tensors.size());
        tensors.forEach(t -> all.put(t.data()));
        all.flip();
        return Tensor.of(first.type(), shape, all);
    }

    private ImageHeader checkHeader(byte[] body, String prefix) {
        ImageHeader header;
        try {
            header = ImageHeader.read(body);
        } catch (StepException e) {
            throw new StepException(e.status(), prefix + e.getMessage());
        }
        if (header.pixels() > maxPixels) {
            throw new StepException(413, prefix + "the image is " + header.width() + "x" + header.height()
                    + " pixels; this model accepts at most " + maxPixels);
        }
        return header;
    }

    private Tensor one(byte[] body, StepContext context) {
        return decoded(body, checkHeader(body, ""), context);
    }

    /** An image whose header passed {@link #checkHeader}, decoded and made into the tensor. */
    private Tensor decoded(byte[] body, ImageHeader header, StepContext context) {
        OpenCv.load();
        List<Mat> mats = new ArrayList<>();
        try {
            Mat bgr = decode(body, header, mats);
            if (bgr.empty()) {
                throw new StepException(400, "the " + header.format() + " image could not be decoded");
            }
            return toTensor(bgr, mats, context);
        } finally {
            mats.forEach(Mat::release);
        }
    }

    /**
     * JPEGs through the system's SIMD libjpeg-turbo when it is there (then EXIF orientation is
     * ours to apply), everything else and every JPEG it refuses through OpenCV.
     */
    private static Mat decode(byte[] body, ImageHeader header, List<Mat> mats) {
        if (header.format().equals("JPEG")) {
            Mat fast = TurboJpeg.decodeBgr(body);
            if (fast != null) {
                track(mats, fast);
                ExifOrientation.apply(fast, ExifOrientation.of(body));
                return fast;
            }
        }
        MatOfByte encoded = track(mats, new MatOfByte(body));
        return track(mats, Imgcodecs.imdecode(encoded, Imgcodecs.IMREAD_COLOR));
    }

    /** The decoded BGR 8-bit image as this step's tensor (also the entry point for host functions). */
    public Tensor toTensor(Mat bgr, List<Mat> mats, StepContext context) {
        Mat pixels = track(mats, new Mat());
        bgr.convertTo(pixels, CvType.CV_32FC3);
        Mat sized = resize(pixels, mats, bgr.cols(), bgr.rows(), context);
        // Colour order, scale, mean/std and layout in one pass per channel over the small image:
        // plane c of the output is BGR plane (rgb ? 2 - c : c), mapped by x * scale/std - mean/std.
        List<Mat> planes = new ArrayList<>(3);
        Core.split(sized, planes);
        mats.addAll(planes);
        int plane = height * width;
        float[][] channels = new float[3][plane];
        for (int c = 0; c < 3; c++) {
            Mat source = planes.get(rgb ? 2 - c : c);
            Mat mapped = track(mats, new Mat());
            if (dtype == TensorType.U8) {
                source.convertTo(mapped, CvType.CV_32F); // rounded below, as convertTo to 8U would
            } else {
                source.convertTo(mapped, CvType.CV_32F, scale / std[c], -mean[c] / std[c]);
            }
            mapped.get(0, 0, channels[c]);
        }
        return layout(channels, plane);
    }

    private Mat resize(Mat src, List<Mat> mats, int w0, int h0, StepContext context) {
        Mat dst = track(mats, new Mat());
        switch (mode) {
            case STRETCH -> {
                Imgproc.resize(src, dst, new Size(width, height), 0, 0, Imgproc.INTER_LINEAR);
                record(context, w0, h0, (double) width / w0, (double) height / h0, 0, 0);
                return dst;
            }
            case CROP -> {
                // torchvision: the long side is truncated, the crop offset rounded half to even.
                int nw;
                int nh;
                if (h0 <= w0) {
                    nh = resizeShort;
                    nw = (int) ((long) resizeShort * w0 / h0);
                } else {
                    nw = resizeShort;
                    nh = (int) ((long) resizeShort * h0 / w0);
                }
                Imgproc.resize(src, dst, new Size(nw, nh), 0, 0, Imgproc.INTER_LINEAR);
                int top = (int) Math.rint((nh - height) / 2.0);
                int left = (int) Math.rint((nw - width) / 2.0);
                record(context, w0, h0, (double) nw / w0, (double) nh / h0, -left, -top);
                return track(mats, dst.submat(top, top + height, left, left + width));
            }
            case LETTERBOX -> {
                double s = Math.min((double) width / w0, (double) height / h0);
                int nw = Math.max(1, (int) Math.floor(w0 * s + 0.5));
                int nh = Math.max(1, (int) Math.floor(h0 * s + 0.5));
                Imgproc.resize(src, dst, new Size(nw, nh), 0, 0, Imgproc.INTER_LINEAR);
                Mat canvas = track(mats, new Mat(height, width, CvType.CV_32FC3, Scalar.all(pad)));
                int top = (height - nh) / 2;
                int left = (width - nw) / 2;
                Mat roi = track(mats, canvas.submat(top, top + nh, left, left + nw));
                dst.copyTo(roi);
                record(context, w0, h0, (double) nw / w0, (double) nh / h0, left, top);
                return canvas;
            }
            default -> throw new IllegalStateException();
        }
    }

    private static void record(StepContext context, int w0, int h0, double sx, double sy, double ox, double oy) {
        if (context != null) {
            context.put(ImageGeometry.class, new ImageGeometry(w0, h0, sx, sy, ox, oy));
        }
    }

    private Tensor layout(float[][] channels, int plane) {
        long[] shape = nchw ? new long[] {1, 3, height, width} : new long[] {1, height, width, 3};
        if (dtype == TensorType.U8) {
            byte[] out = new byte[plane * 3];
            for (int c = 0; c < 3; c++) {
                float[] ch = channels[c];
                for (int i = 0; i < plane; i++) {
                    int v = Math.round(ch[i]);
                    out[nchw ? c * plane + i : 3 * i + c] = (byte) Math.max(0, Math.min(255, v));
                }
            }
            return Tensor.of(TensorType.U8, shape, out);
        }
        ByteBuffer out = ByteBuffer.allocate(plane * 3 * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == TensorType.F32 && nchw) {
            java.nio.FloatBuffer floats = out.asFloatBuffer();
            for (float[] ch : channels) {
                floats.put(ch);
            }
        } else {
            for (int k = 0; k < plane * 3; k++) {
                int c = nchw ? k / plane : k % 3;
                int i = nchw ? k % plane : k / 3;
                float v = channels[c][i];
                if (dtype == TensorType.F16) {
                    out.putShort(2 * k, Float.floatToFloat16(v));
                } else {
                    out.putFloat(4 * k, v);
                }
            }
        }
        return Tensor.of(dtype, shape, out);
    }

    private static <M extends Mat> M track(List<Mat> mats, M m) {
        mats.add(m);
        return m;
    }
}
