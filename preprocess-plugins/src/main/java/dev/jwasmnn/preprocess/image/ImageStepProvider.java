package dev.jwasmnn.preprocess.image;

import dev.jwasmnn.preprocess.spi.Preprocessor;
import dev.jwasmnn.preprocess.spi.StepOptions;
import dev.jwasmnn.preprocess.spi.StepProvider;

/** The {@code image} preprocessing step: see {@link ImagePreprocessor#from}. */
public final class ImageStepProvider implements StepProvider {
    @Override
    public String name() {
        return "image";
    }

    @Override
    public Preprocessor preprocessor(StepOptions options) {
        ImagePreprocessor p = ImagePreprocessor.from(options);
        options.checkAllRead();
        OpenCv.load(); // now, while the model loads, not on its first request (~300 ms)
        return p;
    }
}
