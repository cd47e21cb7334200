package dev.jwasmnn.preprocess.post;

import dev.jwasmnn.preprocess.spi.Postprocessor;
import dev.jwasmnn.preprocess.spi.StepOptions;
import dev.jwasmnn.preprocess.spi.StepProvider;

/** The built-in postprocessing steps, registered with ServiceLoader. */
public final class PostStepProviders {
    private PostStepProviders() {}

    /** {@code topk}: k (default 5), softmax (default true), labels (a file in the model folder). */
    public static final class TopKStep implements StepProvider {
        @Override
        public String name() {
            return "topk";
        }

        @Override
        public Postprocessor postprocessor(StepOptions options) {
            TopK t = TopK.from(options, 5);
            options.checkAllRead();
            return t;
        }
    }

    /** {@code argmax}: the single best class, as topk with k = 1. */
    public static final class ArgmaxStep implements StepProvider {
        @Override
        public String name() {
            return "argmax";
        }

        @Override
        public Postprocessor postprocessor(StepOptions options) {
            TopK t = new TopK(1, options.flag("softmax", true), Labels.read(options.file("labels"), options.step()),
                    options.step());
            options.checkAllRead();
            return t;
        }
    }

    /** {@code yolo}: box decoding, NMS and mapping back; see {@link YoloDetections}. */
    public static final class YoloStep implements StepProvider {
        @Override
        public String name() {
            return "yolo";
        }

        @Override
        public Postprocessor postprocessor(StepOptions options) {
            YoloDetections y = YoloDetections.from(options);
            options.checkAllRead();
            dev.jwasmnn.preprocess.image.OpenCv.load(); // NMS is OpenCV's; load it with the model
            return y;
        }
    }

    /** {@code segmentation}: per-pixel argmax to a PNG mask; see {@link SegmentationMask}. */
    public static final class SegmentationStep implements StepProvider {
        @Override
        public String name() {
            return "segmentation";
        }

        @Override
        public Postprocessor postprocessor(StepOptions options) {
            SegmentationMask s = SegmentationMask.from(options);
            options.checkAllRead();
            dev.jwasmnn.preprocess.image.OpenCv.load();
            return s;
        }
    }

    /** {@code softmax}: every class's probability; see {@link Probabilities}. */
    public static final class SoftmaxStep implements StepProvider {
        @Override
        public String name() {
            return "softmax";
        }

        @Override
        public Postprocessor postprocessor(StepOptions options) {
            options.checkAllRead();
            return new Probabilities(options.step());
        }
    }
}
