package dev.jwasmnn.nn.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwasmnn.nn.NnErrno;
import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.nn.WasiNnException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TensorTypeResolverTest {
    final TensorTypeResolver current = new TensorTypeResolver(TensorTypeNumbering.CURRENT);
    final TensorTypeResolver legacy = new TensorTypeResolver(TensorTypeNumbering.LEGACY);

    @ParameterizedTest(name = "code {0} with {1} bytes per element is {2}")
    @CsvSource({
        "0, 2, F16", "1, 4, F32",
        "2, 1, U8", "2, 8, F64",
        "3, 4, I32", "3, 1, U8",
        "4, 4, I32", "5, 8, I64",
    })
    void bytesPerElementDecideBetweenNumberings(int code, int bytesPerElement, TensorType expected) {
        long elements = 6;
        assertThat(current.resolve(code, elements, elements * bytesPerElement, null)).isEqualTo(expected);
        assertThat(legacy.resolve(code, elements, elements * bytesPerElement, null))
                .as("the fallback does not matter when the bytes decide")
                .isEqualTo(expected);
    }

    @Test
    void emptyTensorsUseTheDeclaredTypeThenTheFallback() {
        assertThat(current.resolve(2, 0, 0, TensorType.U8)).isEqualTo(TensorType.U8);
        assertThat(current.resolve(2, 0, 0, TensorType.F64)).isEqualTo(TensorType.F64);
        assertThat(current.resolve(3, 0, 0, TensorType.I32)).isEqualTo(TensorType.I32);
        assertThat(current.resolve(2, 0, 0, TensorType.F32)).as("declared type not a candidate").isEqualTo(TensorType.F64);
        assertThat(legacy.resolve(2, 0, 0, null)).isEqualTo(TensorType.U8);
        assertThat(legacy.resolve(3, 0, 0, null)).isEqualTo(TensorType.I32);
        assertThat(legacy.resolve(5, 0, 0, null)).as("only the current numbering has 5").isEqualTo(TensorType.I64);
        assertThat(current.resolve(3, 0, 0, null)).isEqualTo(TensorType.U8);
    }

    @ParameterizedTest(name = "code {0}, {1} elements, {2} bytes")
    @CsvSource({
        "2, 4, 16",   // 4 bytes per element: neither U8 nor F64
        "1, 4, 8",    // F32 needs 16
        "4, 3, 10",   // not a whole number of bytes per element
        "6, 1, 1",    // no numbering has 6
        "255, 1, 1",
    })
    void inconsistentTensorsAreInvalidArgument(int code, long elements, long bytes) {
        assertThatThrownBy(() -> current.resolve(code, elements, bytes, null))
                .isInstanceOf(WasiNnException.class)
                .extracting(e -> ((WasiNnException) e).errno())
                .isEqualTo(NnErrno.INVALID_ARGUMENT);
    }

    @Test
    void numberingsRoundTrip() {
        for (TensorType t : TensorType.values()) {
            assertThat(TensorTypeNumbering.CURRENT.decode(TensorTypeNumbering.CURRENT.encode(t))).isEqualTo(t);
        }
        assertThat(TensorTypeNumbering.LEGACY.encode(TensorType.F64)).isEqualTo(-1);
        assertThat(TensorTypeNumbering.parse("Legacy")).isEqualTo(TensorTypeNumbering.LEGACY);
        assertThatThrownBy(() -> TensorTypeNumbering.parse("v2")).hasMessageContaining("legacy or current");
    }
}
