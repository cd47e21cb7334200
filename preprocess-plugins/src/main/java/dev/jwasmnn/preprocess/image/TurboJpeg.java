package dev.jwasmnn.preprocess.image;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

/**
 * JPEG decoding with the system's libjpeg-turbo (Debian's {@code libturbojpeg0}), which is built
 * with SIMD; the libjpeg-turbo inside the OpenCV jar is not, and decodes 640x480 about twice as
 * slowly. Same algorithms as OpenCV's default (accurate integer IDCT, smooth chroma upsampling).
 * When the library is missing or cannot decode a file (CMYK ...), callers fall back to OpenCV.
 */
final class TurboJpeg {
    private static final int TJPF_BGR = 1;
    private static final Api API = load();

    private TurboJpeg() {}

    private interface Api extends Library {
        Pointer tjInitDecompress();

        int tjDecompressHeader3(Pointer handle, byte[] jpeg, long size, IntByReference width, IntByReference height,
                IntByReference subsampling, IntByReference colorspace);

        int tjDecompress2(Pointer handle, byte[] jpeg, long size, Pointer dst, int width, int pitch, int height,
                int pixelFormat, int flags);

        int tjDestroy(Pointer handle);
    }

    private static Api load() {
        for (String name : new String[] {"turbojpeg", "libturbojpeg.so.0"}) {
            try {
                return Native.load(name, Api.class);
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                // try the next spelling
            }
        }
        return null;
    }

    static boolean available() {
        return API != null;
    }

    /** The JPEG as an 8-bit BGR Mat the caller owns, or null when this decoder cannot do it. */
    static Mat decodeBgr(byte[] jpeg) {
        if (API == null) {
            return null;
        }
        Pointer handle = API.tjInitDecompress();
        if (handle == null) {
            return null;
        }
        try {
            IntByReference w = new IntByReference();
            IntByReference h = new IntByReference();
            if (API.tjDecompressHeader3(handle, jpeg, jpeg.length, w, h, new IntByReference(), new IntByReference()) != 0
                    || w.getValue() <= 0 || h.getValue() <= 0) {
                return null;
            }
            Mat bgr = new Mat(h.getValue(), w.getValue(), CvType.CV_8UC3);
            int rc;
            try {
                rc = API.tjDecompress2(handle, jpeg, jpeg.length, new Pointer(bgr.dataAddr()), w.getValue(),
                        (int) bgr.step1(), h.getValue(), TJPF_BGR, 0);
            } catch (RuntimeException | Error e) {
                bgr.release();
                throw e;
            }
            if (rc != 0) {
                // -1 for errors and for warnings alike; OpenCV decodes it again and decides.
                bgr.release();
                return null;
            }
            return bgr;
        } finally {
            API.tjDestroy(handle);
        }
    }
}
