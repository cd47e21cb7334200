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
 * by default. The decoded stream itself stops at the body limit (413), so no reader, ours or
 * Helidon's draining of a body no handler read, can be made to inflate more than that.
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

    /** The codings decoded, in lower case; Helidon looks the header's value up as sent. */
    private static final Set<String> GZIP = Set.of("gzip", "x-gzip");
    private static final Set<String> DEFLATE = Set.of("deflate");

    /**
     * The data port's encodings: gzip (also as x-gzip) and deflate (zlib-wrapped, as HTTP means
     * it), each also under its upper-case name, with decoded bodies capped at {@code maxBytes}.
     */
    static ContentEncodingContext context(long maxBytes) {
        return ContentEncodingContext.builder()
                .contentEncodingsDiscoverServices(false)
                .addContentEncoding(new RequestDecompression("gzip", bothCases(GZIP), in -> {
                    try {
                        return new Capped(new GZIPInputStream(in, BUFFER), maxBytes); // reads the gzip header now
                    } catch (ZipException | EOFException e) {
                        throw notDecodable("gzip", e);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e); // the connection failed: a hang-up
                    }
                }))
                .addContentEncoding(new RequestDecompression("deflate", bothCases(DEFLATE), in ->
                        new Capped(new InflaterInputStream(in, new Inflater(), BUFFER) {
                            @Override
                            public void close() throws IOException {
                                try {
                                    super.close();
                                } finally {
                                    inf.end(); // its native memory now, not when the GC finds it
                                }
                            }
                        }, maxBytes)))
                .build();
    }

    /** Whether a Content-Encoding value is one this server decodes (or identity, which needs none). */
    static boolean decodes(String coding) {
        String c = coding.trim().toLowerCase(java.util.Locale.ROOT);
        return GZIP.contains(c) || DEFLATE.contains(c) || c.equals("identity");
    }

    private static Set<String> bothCases(Set<String> lower) {
        Set<String> all = new java.util.HashSet<>(lower);
        lower.forEach(id -> all.add(id.toUpperCase(java.util.Locale.ROOT)));
        return Set.copyOf(all);
    }

    /** A decoded stream that refuses to give more than the body limit: 413 instead. */
    private static final class Capped extends java.io.FilterInputStream {
        private final long maxBytes;
        private long seen;

        Capped(InputStream in, long maxBytes) {
            super(in);
            this.maxBytes = maxBytes;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count(skipped);
            return skipped;
        }

        private void count(long n) {
            seen += n;
            if (seen > maxBytes) {
                throw new HttpProblem(413, "the request body, decompressed, is larger than the server's limit ("
                        + maxBytes + " bytes)");
            }
        }
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
