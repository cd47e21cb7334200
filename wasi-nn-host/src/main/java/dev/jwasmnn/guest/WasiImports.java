package dev.jwasmnn.guest;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.types.FunctionType;
import java.util.HashMap;
import java.util.Map;

/** The WASI preview1 functions Chicory provides, with their types, for checking guest imports. */
final class WasiImports {
    static final String MODULE_NAME = "wasi_snapshot_preview1";
    private static final Map<String, FunctionType> TYPES = collect();

    private WasiImports() {}

    static Map<String, FunctionType> functionTypes() {
        return TYPES;
    }

    private static Map<String, FunctionType> collect() {
        Map<String, FunctionType> types = new HashMap<>();
        try (WasiPreview1 wasi = GuestRunner.wasi().withOptions(WasiOptions.builder().build()).build()) {
            for (HostFunction f : wasi.toHostFunctions()) {
                types.put(f.name(), f.functionType());
            }
        }
        return Map.copyOf(types);
    }
}
