package dev.jwasmnn.preprocess.image;

import org.opencv.core.Mat;

/** Test access to the package-private TurboJPEG decoder. */
public final class TurboJpegProbe {
    private TurboJpegProbe() {}

    public static boolean available() {
        return TurboJpeg.available();
    }

    public static Mat decode(byte[] jpeg) {
        OpenCv.load();
        return TurboJpeg.decodeBgr(jpeg);
    }
}
