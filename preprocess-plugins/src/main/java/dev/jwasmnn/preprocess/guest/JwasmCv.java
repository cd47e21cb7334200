package dev.jwasmnn.preprocess.guest;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jwasmnn.guest.GuestInvocation;
import dev.jwasmnn.guest.HostExtension;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.preprocess.image.ImagePreprocessor;
import dev.jwasmnn.preprocess.spi.StepException;
import dev.jwasmnn.preprocess.spi.StepOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code jwasm_cv} import module: native OpenCV preprocessing for guests, so a Rust guest
 * turns image bytes into a model tensor without decoding and resizing in Wasm.
 *
 * <pre>
 * image_to_tensor(image_ptr, image_len, options_ptr, options_len, out_ptr, out_cap, out_len_ptr) -> errno
 * last_error(buf_ptr, buf_cap, len_ptr) -> errno
 * </pre>
 *
 * {@code options} is JSON with the {@code image} pipeline step's options (size, resize, color,
 * scale, mean, std, layout, dtype, pad, max_pixels). The tensor's bytes are written to
 * {@code out_ptr}; a short buffer gets {@code buffer_too_small} and the needed size. Denied unless
 * the run is granted ({@link CvGrant}, a model's {@code guest.allow_cv}); every pointer is checked.
 */
public final class JwasmCv implements HostExtension {
    public static final String MODULE_NAME = "jwasm_cv";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_OPTIONS_BYTES = 64 * 1024;
    private static final int MAX_CACHED = 64;
    private static final FunctionType IMAGE_TO_TENSOR = FunctionType.of(
            List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32),
            List.of(ValType.I32));
    private static final FunctionType LAST_ERROR = FunctionType.of(
            List.of(ValType.I32, ValType.I32, ValType.I32), List.of(ValType.I32));

    private final boolean allowedByDefault;
    /** Parsed options by their JSON text: guests send the same few option sets again and again. */
    private final Map<String, ImagePreprocessor> steps = new ConcurrentHashMap<>();

    /** @param allowedByDefault whether runs without a {@link CvGrant} may use the module */
    public JwasmCv(boolean allowedByDefault) {
        this.allowedByDefault = allowedByDefault;
    }

    @Override
    public String moduleName() {
        return MODULE_NAME;
    }

    @Override
    public Map<String, FunctionType> functionTypes() {
        return Map.of("image_to_tensor", IMAGE_TO_TENSOR, "last_error", LAST_ERROR);
    }

    @Override
    public Session open(GuestInvocation invocation) {
        boolean allowed = invocation.attachment(CvGrant.class).map(CvGrant::allowed).orElse(allowedByDefault);
        return new CvSession(allowed);
    }

    private ImagePreprocessor step(String options) {
        ImagePreprocessor p = steps.get(options);
        if (p != null) {
            return p;
        }
        Map<String, Object> values;
        try {
            values = options.isBlank() ? Map.of() : JSON.readValue(options, new TypeReference<Map<String, Object>>() {});
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("options are not a JSON object: " + e.getOriginalMessage());
        }
        StepOptions o = new StepOptions("jwasm_cv.image_to_tensor", values, Path.of("."));
        p = ImagePreprocessor.from(o);
        o.checkAllRead();
        if (steps.size() < MAX_CACHED) {
            steps.put(options, p);
        }
        return p;
    }

    private final class CvSession implements Session {
        private final boolean allowed;
        private String lastError = "";

        CvSession(boolean allowed) {
            this.allowed = allowed;
        }

        @Override
        public List<HostFunction> hostFunctions() {
            return List.of(
                    new HostFunction(MODULE_NAME, "image_to_tensor", IMAGE_TO_TENSOR,
                            (instance, args) -> new long[] {imageToTensor(instance, args)}),
                    new HostFunction(MODULE_NAME, "last_error", LAST_ERROR,
                            (instance, args) -> new long[] {lastError(instance, args)}));
        }

        private int imageToTensor(Instance instance, long[] args) {
            if (!allowed) {
                return fail(CvErrno.PERMISSION_DENIED, "jwasm_cv is not granted to this guest (guest.allow_cv in the"
                        + " model's config, or --allow-cv for jwasm-nn run)");
            }
            try {
                Memory mem = instance.memory();
                int imagePtr = (int) args[0];
                int imageLen = (int) args[1];
                int optionsPtr = (int) args[2];
                int optionsLen = (int) args[3];
                int outPtr = (int) args[4];
                int outCap = (int) args[5];
                int outLenPtr = (int) args[6];
                check(mem, outLenPtr, 4, "length out-pointer");
                check(mem, imagePtr, imageLen, "image");
                if (Integer.toUnsignedLong(optionsLen) > MAX_OPTIONS_BYTES) {
                    return fail(CvErrno.INVALID_ARGUMENT, "options are longer than " + MAX_OPTIONS_BYTES + " bytes");
                }
                check(mem, optionsPtr, optionsLen, "options");
                check(mem, outPtr, outCap, "output buffer");
                String options = new String(mem.readBytes(optionsPtr, optionsLen), StandardCharsets.UTF_8);
                Tensor t = step(options).apply(mem.readBytes(imagePtr, imageLen), null, null).get(0);
                int size = t.byteLength();
                mem.writeI32(outLenPtr, size);
                if (Integer.toUnsignedLong(outCap) < size) {
                    return fail(CvErrno.BUFFER_TOO_SMALL, "the tensor is " + size + " bytes; the buffer holds "
                            + Integer.toUnsignedLong(outCap));
                }
                mem.write(outPtr, t.toByteArray());
                return CvErrno.SUCCESS.code();
            } catch (GuestPointerException e) {
                return fail(CvErrno.INVALID_ARGUMENT, e.getMessage());
            } catch (StepException e) {
                return fail(CvErrno.fromStatus(e.status()), e.getMessage());
            } catch (IllegalArgumentException e) {
                return fail(CvErrno.INVALID_ARGUMENT, e.getMessage());
            } catch (RuntimeException e) {
                return fail(CvErrno.RUNTIME_ERROR, "unexpected host error: " + e);
            }
        }

        private int lastError(Instance instance, long[] args) {
            try {
                Memory mem = instance.memory();
                byte[] text = lastError.getBytes(StandardCharsets.UTF_8);
                check(mem, (int) args[2], 4, "length out-pointer");
                check(mem, (int) args[0], (int) args[1], "buffer");
                int n = (int) Math.min(text.length, Integer.toUnsignedLong((int) args[1]));
                mem.write((int) args[0], java.util.Arrays.copyOf(text, n));
                mem.writeI32((int) args[2], n);
                return CvErrno.SUCCESS.code();
            } catch (GuestPointerException e) {
                return CvErrno.INVALID_ARGUMENT.code();
            }
        }

        private int fail(CvErrno errno, String message) {
            lastError = errno.name().toLowerCase() + ": " + message;
            return errno.code();
        }

        @Override
        public void cancel() {
            // Each call is bounded (size checked from the header); nothing long to abandon.
        }

        @Override
        public void close() {
            // No per-instance native state: every Mat is released inside the call.
        }
    }

    private static void check(Memory mem, int ptr, int length, String what) {
        long size = (long) mem.pages() * 65536L;
        long start = Integer.toUnsignedLong(ptr);
        long len = Integer.toUnsignedLong(length);
        if (start + len > size) {
            throw new GuestPointerException(what + " [" + start + ", " + (start + len) + ") is outside guest memory ("
                    + size + " bytes)");
        }
    }

    private static final class GuestPointerException extends RuntimeException {
        GuestPointerException(String message) {
            super(message);
        }
    }
}
