package dev.jwasmnn.preprocess.image;

import org.opencv.core.Core;
import org.opencv.core.Mat;

/**
 * The EXIF orientation tag (0x0112) of a JPEG, and turning a decoded image upright by it, for
 * decoders that, unlike OpenCV's, do not apply it themselves.
 */
final class ExifOrientation {
    private ExifOrientation() {}

    /** 1 (upright) to 8; 1 when the file has no readable orientation. */
    static int of(byte[] b) {
        int i = 2;
        while (i + 4 <= b.length && (b[i] & 0xFF) == 0xFF) {
            int marker = b[i + 1] & 0xFF;
            int length = ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
            if (marker == 0xDA || length < 2) {
                break; // start of scan: no EXIF before it
            }
            if (marker == 0xE1 && length >= 8 && i + 10 <= b.length && b[i + 4] == 'E' && b[i + 5] == 'x'
                    && b[i + 6] == 'i' && b[i + 7] == 'f') {
                return fromTiff(b, i + 10, Math.min(b.length, i + 2 + length));
            }
            i += 2 + length;
        }
        return 1;
    }

    private static int fromTiff(byte[] b, int tiff, int end) {
        if (tiff + 8 > end) {
            return 1;
        }
        boolean little = b[tiff] == 'I' && b[tiff + 1] == 'I';
        int ifd = tiff + u32(b, tiff + 4, little);
        if (ifd < tiff || ifd + 2 > end) {
            return 1;
        }
        int entries = u16(b, ifd, little);
        for (int k = 0; k < entries; k++) {
            int e = ifd + 2 + 12 * k;
            if (e + 12 > end) {
                return 1;
            }
            if (u16(b, e, little) == 0x0112) {
                int v = u16(b, e + 8, little);
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int at, boolean little) {
        return little ? (b[at] & 0xFF) | ((b[at + 1] & 0xFF) << 8) : ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }

    private static int u32(byte[] b, int at, boolean little) {
        return little ? u16(b, at, true) | (u16(b, at + 2, true) << 16) : (u16(b, at, false) << 16) | u16(b, at + 2, false);
    }

    /** Turns {@code image} upright in place for {@code orientation} (EXIF semantics). */
    static void apply(Mat image, int orientation) {
        switch (orientation) {
            case 2 -> Core.flip(image, image, 1);
            case 3 -> Core.rotate(image, image, Core.ROTATE_180);
            case 4 -> Core.flip(image, image, 0);
            case 5 -> Core.transpose(image, image);
            case 6 -> Core.rotate(image, image, Core.ROTATE_90_CLOCKWISE);
            case 7 -> {
                Core.transpose(image, image);
                Core.flip(image, image, -1);
            }
            case 8 -> Core.rotate(image, image, Core.ROTATE_90_COUNTERCLOCKWISE);
            default -> {
            }
        }
    }
}
