package dev.jwasmnn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helidon.http.encoding.ContentEncodingContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The decoders themselves, as Helidon gets them: real gzip and deflate streams. */
class RequestDecompressionTest {
    static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    static byte[] deflate(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(out)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    @Test
    void decodesUpToTheLimitAndRefusesPastIt() throws Exception {
        ContentEncodingContext context = RequestDecompression.context(1000);
        byte[] exactly = new byte[1000];
        exactly[999] = 7;
        for (String coding : new String[] {"gzip", "x-gzip", "GZIP", "deflate", "DEFLATE"}) {
            byte[] packed = coding.toLowerCase().contains("gzip") ? gzip(exactly) : deflate(exactly);
            try (InputStream in = context.decoder(coding).apply(new ByteArrayInputStream(packed))) {
                assertThat(in.readAllBytes()).as(coding).isEqualTo(exactly);
            }
            byte[] tooBig = coding.toLowerCase().contains("gzip") ? gzip(new byte[1001]) : deflate(new byte[1001]);
            try (InputStream in = context.decoder(coding).apply(new ByteArrayInputStream(tooBig))) {
                assertThatThrownBy(in::readAllBytes).as(coding).isInstanceOfSatisfying(HttpProblem.class, p -> {
                    assertThat(p.status()).isEqualTo(413);
                    assertThat(p.getMessage()).contains("decompressed").contains("1000 bytes");
                });
            }
        }
    }

    @Test
    void answersNeverGetCompressed() {
        ContentEncodingContext context = RequestDecompression.context(1000);
        assertThat(context.contentEncodingSupported("gzip")).isFalse();
        assertThat(context.contentEncodingSupported("deflate")).isFalse();
    }

    @Test
    void knowsWhichCodingsItDecodes() {
        assertThat(RequestDecompression.decodes("gzip")).isTrue();
        assertThat(RequestDecompression.decodes(" Gzip ")).isTrue();
        assertThat(RequestDecompression.decodes("x-gzip")).isTrue();
        assertThat(RequestDecompression.decodes("deflate")).isTrue();
        assertThat(RequestDecompression.decodes("identity")).isTrue();
        assertThat(RequestDecompression.decodes("br")).isFalse();
        assertThat(RequestDecompression.decodes("zstd")).isFalse();
    }
}
