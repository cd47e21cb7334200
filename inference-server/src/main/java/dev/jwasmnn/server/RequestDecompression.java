package dev.jwasmnn.server;

import io.helidon.http.encoding.ContentDecoder;
import io.helidon.http.encoding.ContentEncoder;
import io.helidon.http.encoding.ContentEncoding;
import io.helidon.http.encoding.ContentEncodingContext;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * Compressed request bodies ({@code Content-Encoding: gzip} or {@code deflate}, which Triton's
 * clients send when asked to), decoded with {@code java.util.zip}: Helidon's own gzip and
 * deflate modules are not served by the Maven mirror here. Decoding only: answers are never
 * compressed, since float tensors hardly compress and many clients send {@code Accept-Encoding}
 * by default. The decoded size is capped where the body is read ({@link InferenceRoutes}).
 */
final class RequestDecompression implements ContentEncoding {
    private static final int BUFFER = 64 * 1024;

    private final String name;
    private final Set<String> ids;
    private final UnaryOperator<InputStream> decode;

    private RequestDecompression(String name, Set<String> ids, UnaryOperator<InputStream> decode) {
        this.name = name;
        this.ids = ids;
        this.decode = decode;
    }

    /** The data port's encodings: gzip (also as x-gzip) and deflate (zlib-wrapped, as HTTP means it). */
    static ContentEncodingContext context() {
        return ContentEncodingContext.builder()
                .contentEncodingsDiscoverServices(false)
                .addContentEncoding(new RequestDecompression("gzip", Set.of("gzip", "x-gzip"), in -> {
                    try {
                        return new GZIPInputStream(in, BUFFER); // reads the gzip header now
                    } catch (ZipException | EOFException e) {
                        throw notDecodable("gzip", e);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e); // the connection failed: a hang-up
                    }
                }))
                .addContentEncoding(new RequestDecompression("deflate", Set.of("deflate"), in ->
                        new InflaterInputStream(in, new Inflater(), BUFFER) {
                            @Override
                            public void close() throws IOException {
                                try {
                                    super.close();
                                } finally {
                                    inf.end(); // its native memory now, not when the GC finds it
                                }
                            }
                        }))
                .build();
    }

    /** A body that is not what its Content-Encoding says (corrupt, or cut short inside the stream). */
    static HttpProblem notDecodable(String encoding, IOException e) {
        return HttpProblem.badRequest("the request body is not valid " + encoding + " (Content-Encoding): "
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }

    @Override
    public Set<String> ids() {
        return ids;
    }

    @Override
    public boolean supportsEncoding() {
        return false;
    }

    @Override
    public boolean supportsDecoding() {
        return true;
    }

    @Override
    public ContentDecoder decoder() {
        return decode::apply;
    }

    @Override
    public ContentEncoder encoder() {
        return ContentEncoder.NO_OP;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return name;
    }
}
