package dev.jwasmnn.bench;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The PyTorch reference: a TorchScript model called through DJL's public API as a Java user
 * would (Model, Predictor, NoopTranslator), in the same JVM as jwasm-nn, so both share libtorch
 * and its thread settings. Each call makes its input array in a scope closed after the call.
 */
final class DirectDjl implements AutoCloseable {
    private final Model model;
    private final Predictor<NDList, NDList> predictor;
    private final Shape shape;

    DirectDjl(Path file, long[] shape) throws IOException, MalformedModelException {
        String name = file.getFileName().toString().replaceFirst("\\.pt$", "");
        this.model = Model.newInstance(name, Device.cpu(), "PyTorch");
        model.load(file.getParent(), name);
        this.predictor = model.newPredictor(new NoopTranslator());
        this.shape = new Shape(shape);
    }

    /** One inference: tensor in from a Java array, output 0 copied back out. */
    float[] infer(float[] x) throws TranslateException {
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDList out = predictor.predict(new NDList(scope.create(x, shape)));
            float[] y = out.get(0).toFloatArray();
            out.close();
            return y;
        }
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
    }
}
