package dev.jwasmnn.nn.abi;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.Collections;
import java.util.List;

/** The twelve functions of {@code wasi_ephemeral_nn}: every parameter an i32, every result an i32 errno. */
enum WasiNnFunction {
    LOAD("load", 5),
    LOAD_BY_NAME("load_by_name", 3),
    LOAD_BY_NAME_WITH_CONFIG("load_by_name_with_config", 5),
    INIT_EXECUTION_CONTEXT("init_execution_context", 2),
    SET_INPUT("set_input", 3),
    COMPUTE("compute", 1),
    GET_OUTPUT("get_output", 5),
    COMPUTE_SINGLE("compute_single", 1),
    GET_OUTPUT_SINGLE("get_output_single", 5),
    FINI_SINGLE("fini_single", 1),
    UNLOAD("unload", 1),
    FINALIZE_EXECUTION_CONTEXT("finalize_execution_context", 1);

    final String abiName;
    final FunctionType type;

    WasiNnFunction(String abiName, int params) {
        this.abiName = abiName;
        this.type = FunctionType.of(Collections.nCopies(params, ValType.I32), List.of(ValType.I32));
    }
}
