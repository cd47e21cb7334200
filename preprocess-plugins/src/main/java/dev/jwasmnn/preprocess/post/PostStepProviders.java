package dev.jwasmnn.preprocess.post;

import dev.jwasmnn.preprocess.image.OpenCv;
import dev.jwasmnn.preprocess.spi.Postprocessor;
import dev.jwasmnn.preprocess.spi.StepOptions;
import dev.jwasmnn.preprocess.spi.StepProvider;
import java.util.function.Function;

/** The built-in postprocessing steps, registered with ServiceLoader (each needs a public no-arg class). */
public final class PostStepProviders {
    private PostStepProviders() {}

    /** A named postprocessor made from its options; unknown options are refused. */
    abstract static class PostStep implements StepProvider {
        private final String name;
        private final Function<StepOptions, Postprocessor> factory;
        private final boolean usesOpenCv;

        PostStep(String name, Function<StepOptions, Postprocessor> factory, boolean usesOpenCv) {
            this.name = name;
            this.factory = factory;
            this.usesOpenCv = usesOpenCv;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Postprocessor postprocessor(StepOptions options) {
            Postprocessor p = factory.apply(options);
            options.checkAllRead();
            if (usesOpenCv) {
                OpenCv.load(); // with the model, not on its first request
            }
            return p;
        }
    }

    /** {@code topk}: k (default 5), softmax (default true), labels (a file in the model folder). */
    public static final class TopKStep extends PostStep {
        public TopKStep() {
            super("topk", o -> TopK.from(o, 5), false);
        }
    }

    /** {@code argmax}: the single best class, as topk with k = 1. */
    public static final class ArgmaxStep extends PostStep {
        public ArgmaxStep() {
            super("argmax", o -> new TopK(1, o.flag("softmax", true), Labels.read(o.file("labels"), o.step()), o.step()),
                    false);
        }
    }

    /** {@code softmax}: every class's probability; see {@link Probabilities}. */
    public static final class SoftmaxStep extends PostStep {
        public SoftmaxStep() {
            super("softmax", o -> new Probabilities(o.step()), false);
        }
    }

    /** {@code yolo}: box decoding, NMS and mapping back; see {@link YoloDetections}. */
    public static final class YoloStep extends PostStep {
        public YoloStep() {
            super("yolo", YoloDetections::from, true);
        }
    }

    /** {@code segmentation}: per-pixel argmax to a PNG mask; see {@link SegmentationMask}. */
    public static final class SegmentationStep extends PostStep {
        public SegmentationStep() {
            super("segmentation", SegmentationMask::from, true);
        }
    }
}
