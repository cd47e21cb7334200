package dev.jwasmnn.server.oip;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * An encoded response body, kept as the JSON header plus views of the output tensors so binary
 * outputs are never copied before they reach the socket.
 *
 * @param body the body's parts in order; read-only, positioned at their start
 * @param contentType the Content-Type to send
 * @param inferenceHeaderLength the {@code Inference-Header-Content-Length} response header to
 *     send, when the body is binary (the JSON length, or 0 for a raw output)
 */
public record EncodedResponse(List<ByteBuffer> body, String contentType, OptionalInt inferenceHeaderLength) {

    public EncodedResponse {
        body = body.stream().map(ByteBuffer::asReadOnlyBuffer).toList();
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(inferenceHeaderLength, "inferenceHeaderLength");
    }

    /** The parts, fresh views each call, so callers may consume them. */
    @Override
    public List<ByteBuffer> body() {
        return body.stream().map(ByteBuffer::duplicate).toList();
    }

    public long contentLength() {
        long n = 0;
        for (ByteBuffer b : body) {
            n += b.remaining();
        }
        return n;
    }

    /** The whole body in one array (a copy). */
    public byte[] toByteArray() {
        long n = contentLength();
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("response of " + n + " bytes does not fit an array");
        }
        byte[] out = new byte[(int) n];
        int pos = 0;
        for (ByteBuffer b : body) {
            int len = b.remaining();
            b.duplicate().get(out, pos, len);
            pos += len;
        }
        return out;
    }

    /** Writes the body to a stream (not closing it). */
    public void writeTo(OutputStream out) throws IOException {
        byte[] chunk = null;
        for (ByteBuffer part : body) {
            ByteBuffer b = part.duplicate();
            while (b.hasRemaining()) {
                if (chunk == null) {
                    chunk = new byte[(int) Math.min(64 * 1024, Math.max(contentLength(), 1))];
                }
                int n = Math.min(chunk.length, b.remaining());
                b.get(chunk, 0, n);
                out.write(chunk, 0, n);
            }
        }
    }
}
