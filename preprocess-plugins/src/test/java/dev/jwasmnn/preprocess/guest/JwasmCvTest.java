package dev.jwasmnn.preprocess.guest;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import dev.jwasmnn.guest.GuestInvocation;
import dev.jwasmnn.guest.HostExtension;
import dev.jwasmnn.testing.TestAssets;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each jwasm_cv call against a real Chicory memory: success, every errno, and the grant. */
class JwasmCvTest {
    /** (module (memory (export "memory") 32)): two MiB of guest memory and nothing else. */
    private static final byte[] MEMORY_ONLY = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x05, 0x03, 0x01, 0x00, 0x20,
        0x07, 0x0a, 0x01, 0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00,
    };
    private static final int IMAGE = 0;
    private static final int OPTIONS = 1 << 20;
    private static final int LEN = OPTIONS + 1024;
    private static final int ERR = LEN + 8;

    private final Instance instance = Instance.builder(Parser.parse(MEMORY_ONLY)).build();
    private final Memory mem = instance.memory();

    private static HostFunction fn(HostExtension.Session s, String name) {
        return s.hostFunctions().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
    }

    private int call(HostExtension.Session s, String name, long... args) {
        return (int) fn(s, name).handle().apply(instance, args)[0];
    }

    private String lastError(HostExtension.Session s) {
        assertThat(call(s, "last_error", ERR + 8, 512, ERR)).isZero();
        return new String(mem.readBytes(ERR + 8, mem.readInt(ERR)), StandardCharsets.UTF_8);
    }

    private int imageToTensor(HostExtension.Session s, byte[] image, String options, int out, int cap) {
        mem.write(IMAGE, image);
        byte[] o = options.getBytes(StandardCharsets.UTF_8);
        mem.write(OPTIONS, o);
        return call(s, "image_to_tensor", IMAGE, image.length, OPTIONS, o.length, out, cap, LEN);
    }

    @Test
    void writesTheTensorOrSaysHowMuchRoomItNeeds() {
        byte[] png = TestAssets.bytes(TestAssets.model("photo-300x400.png"));
        assertThat(png.length).isLessThan(OPTIONS);
        HostExtension.Session s = new JwasmCv(true).open(GuestInvocation.builder().build());
        String options = "{\"size\":[16,24],\"resize\":\"stretch\"}";
        int needed = 3 * 16 * 24 * 4;
        assertThat(imageToTensor(s, png, options, ERR + 1024, 100)).isEqualTo(CvErrno.BUFFER_TOO_SMALL.code());
        assertThat(mem.readInt(LEN)).isEqualTo(needed);
        assertThat(lastError(s)).contains("buffer_too_small");
        for (int i = 0; i < needed; i += 4) {
            mem.writeI32(ERR + 1024 + i, Float.floatToRawIntBits(Float.NaN)); // so untouched memory shows
        }
        assertThat(imageToTensor(s, png, options, ERR + 1024, needed)).isZero();
        assertThat(mem.readInt(LEN)).isEqualTo(needed);
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < needed; i += 4) {
            float v = Float.intBitsToFloat(mem.readInt(ERR + 1024 + i));
            assertThat(v).as("element %d", i / 4).isBetween(-3f, 3f); // every one written and normalised
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertThat(max - min).as("a picture, not a constant").isGreaterThan(0.5f);
    }

    @Test
    void everyErrnoPathAndTheGrant() {
        byte[] png = TestAssets.bytes(TestAssets.model("photo-300x400.png"));
        HostExtension.Session denied = new JwasmCv(false).open(GuestInvocation.builder().build());
        assertThat(imageToTensor(denied, png, "{}", ERR + 1024, 1 << 19)).isEqualTo(CvErrno.PERMISSION_DENIED.code());
        assertThat(lastError(denied)).contains("allow_cv");
        HostExtension.Session granted = new JwasmCv(false).open(
                GuestInvocation.builder().attach(CvGrant.class, new CvGrant(true)).build());
        assertThat(imageToTensor(granted, png, "{\"size\":8}", ERR + 1024, 1 << 19)).as(lastError(granted)).isZero();

        HostExtension.Session s = new JwasmCv(true).open(GuestInvocation.builder().build());
        assertThat(imageToTensor(s, "GIF89a".getBytes(), "{}", ERR + 1024, 1 << 19)).isEqualTo(CvErrno.UNSUPPORTED_MEDIA.code());
        byte[] huge = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0, 0, 17, 8, 0x75, 0x30, 0x75, 0x30, 3};
        assertThat(imageToTensor(s, huge, "{}", ERR + 1024, 1 << 19)).isEqualTo(CvErrno.IMAGE_TOO_LARGE.code());
        assertThat(imageToTensor(s, png, "{not json", ERR + 1024, 1 << 19)).isEqualTo(CvErrno.INVALID_ARGUMENT.code());
        assertThat(lastError(s)).contains("JSON");
        assertThat(imageToTensor(s, png, "{\"sise\":8}", ERR + 1024, 1 << 19)).isEqualTo(CvErrno.INVALID_ARGUMENT.code());
        assertThat(lastError(s)).contains("sise");
        int end = mem.pages() * 65536;
        // Pointers and lengths that leave guest memory, including a wrapped negative length.
        assertThat(call(s, "image_to_tensor", end - 10, 100, OPTIONS, 2, ERR + 1024, 16, LEN))
                .isEqualTo(CvErrno.INVALID_ARGUMENT.code());
        assertThat(lastError(s)).contains("outside guest memory");
        assertThat(call(s, "image_to_tensor", IMAGE, -1, OPTIONS, 2, ERR + 1024, 16, LEN))
                .isEqualTo(CvErrno.INVALID_ARGUMENT.code());
        assertThat(call(s, "image_to_tensor", IMAGE, png.length, OPTIONS, 2, ERR + 1024, 16, end - 2))
                .isEqualTo(CvErrno.INVALID_ARGUMENT.code());
        assertThat(call(s, "image_to_tensor", IMAGE, png.length, OPTIONS, 2, end - 8, 1 << 19, LEN))
                .isEqualTo(CvErrno.INVALID_ARGUMENT.code());
        assertThat(call(s, "last_error", end - 4, 512, ERR)).isEqualTo(CvErrno.INVALID_ARGUMENT.code());
        // The session still works afterwards.
        assertThat(imageToTensor(s, png, "{\"size\":8}", ERR + 1024, 1 << 19)).isZero();
        assertThat(List.of(s.hostFunctions().get(0).module())).containsExactly("jwasm_cv");
    }
}
