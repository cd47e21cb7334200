package dev.jwasmnn.preprocess.image;

import dev.jwasmnn.preprocess.spi.StepException;

/**
 * The format and pixel size of an encoded image, read from its header alone, so an image that
 * claims to be huge is refused before a decoder allocates its pixels, and formats we do not
 * serve are refused before they reach a decoder at all.
 */
public record ImageHeader(String format, int width, int height) {

    /** JPEG, PNG or BMP, else 415; a header too short or inconsistent to read is 400. */
    public static ImageHeader read(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
            return jpeg(b);
        }
        if (b.length >= 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            if (b.length < 24) {
                throw new StepException(400, "the PNG image is truncated before its header ends");
            }
            return checked("PNG", be32(b, 16), be32(b, 20));
        }
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
            if (b.length < 26) {
                throw new StepException(400, "the BMP image is truncated before its header ends");
            }
            return checked("BMP", le32(b, 18), Math.abs(le32(b, 22)));
        }
        throw new StepException(415, "the body is not a JPEG, PNG or BMP image");
    }

    /** Walks the JPEG markers to the first start-of-frame, which holds the size. */
    private static ImageHeader jpeg(byte[] b) {
        int i = 2;
        while (i + 4 <= b.length) {
            if ((b[i] & 0xFF) != 0xFF) {
                throw new StepException(400, "the JPEG image is malformed (no marker at byte " + i + ")");
            }
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xFF) {
                i++; // fill byte
                continue;
            }
            int length = ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
            boolean startOfFrame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (startOfFrame) {
                if (i + 9 > b.length) {
                    break;
                }
                int height = ((b[i + 5] & 0xFF) << 8) | (b[i + 6] & 0xFF);
                int width = ((b[i + 7] & 0xFF) << 8) | (b[i + 8] & 0xFF);
                return checked("JPEG", width, height);
            }
            if (length < 2) {
                throw new StepException(400, "the JPEG image is malformed (segment length " + length + ")");
            }
            i += 2 + length;
        }
        throw new StepException(400, "the JPEG image is truncated before its frame header");
    }

    private static ImageHeader checked(String format, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new StepException(400, "the " + format + " header gives an impossible size " + width + "x" + height);
        }
        return new ImageHeader(format, width, height);
    }

    public long pixels() {
        return (long) width * height;
    }

    private static int be32(byte[] b, int at) {
        return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xFF) | ((b[at + 1] & 0xFF) << 8) | ((b[at + 2] & 0xFF) << 16) | ((b[at + 3] & 0xFF) << 24);
    }
}
