package dev.jwasmnn.guest;

import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Import;
import java.util.ArrayList;
import java.util.List;

/**
 * Which of the host's functions a module imports, in import order. Chicory matches imports to
 * host functions by comparing names pairwise, so handing it exactly the imported functions in
 * order makes linking a fresh instance several times cheaper. The plan is learnt on first use
 * and re-checked by name on every use, so a change in the host's function order cannot mislink.
 */
final class ImportPlan {
    private final String[] modules;
    private final String[] names;
    private volatile int[] positions;

    ImportPlan(WasmModule wasm) {
        int n = wasm.importSection().importCount();
        modules = new String[n];
        names = new String[n];
        for (int i = 0; i < n; i++) {
            Import imp = wasm.importSection().getImport(i);
            modules[i] = imp.module();
            names[i] = imp.name();
        }
    }

    /** The imported functions out of {@code provided}, in the module's import order. */
    List<ImportFunction> select(List<ImportFunction> provided) {
        int[] plan = positions;
        if (plan == null || !matches(plan, provided)) {
            plan = learn(provided);
            positions = plan;
        }
        List<ImportFunction> selected = new ArrayList<>(plan.length);
        for (int p : plan) {
            selected.add(provided.get(p));
        }
        return selected;
    }

    private boolean matches(int[] plan, List<ImportFunction> provided) {
        for (int i = 0; i < plan.length; i++) {
            if (plan[i] >= provided.size()) {
                return false;
            }
            ImportFunction f = provided.get(plan[i]);
            if (!f.name().equals(names[i]) || !f.module().equals(modules[i])) {
                return false;
            }
        }
        return true;
    }

    private int[] learn(List<ImportFunction> provided) {
        int[] plan = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            plan[i] = -1;
            for (int p = 0; p < provided.size(); p++) {
                ImportFunction f = provided.get(p);
                if (f.name().equals(names[i]) && f.module().equals(modules[i])) {
                    plan[i] = p;
                    break;
                }
            }
            if (plan[i] < 0) {
                // Compilation checked every import, so this means the host changed underneath us.
                throw new IllegalStateException("no host function for import " + modules[i] + "." + names[i]);
            }
        }
        return plan;
    }
}
