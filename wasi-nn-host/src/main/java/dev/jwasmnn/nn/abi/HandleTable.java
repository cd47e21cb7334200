package dev.jwasmnn.nn.abi;

import dev.jwasmnn.nn.WasiNnException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Guest-visible handles for one instance: u32 values handed out from 0 upward and never reused,
 * so a stale handle is always an error rather than a different object. Concurrent because the
 * deadline watchdog walks it while the guest thread runs.
 */
final class HandleTable<T> {
    private final String kind;
    private final int capacity;
    private final Map<Integer, T> entries = new ConcurrentHashMap<>();
    private int next;

    HandleTable(String kind, int capacity) {
        this.kind = kind;
        this.capacity = capacity;
    }

    /** Adds {@code value}; runtime_error when the guest already holds {@code capacity} handles. */
    int add(T value) {
        if (entries.size() >= capacity) {
            throw new WasiNnException(
                    dev.jwasmnn.nn.NnErrno.RUNTIME_ERROR,
                    "too many open " + kind + "s: this instance may hold " + capacity);
        }
        if (next < 0) {
            throw new WasiNnException(dev.jwasmnn.nn.NnErrno.RUNTIME_ERROR, kind + " handles exhausted");
        }
        int handle = next++;
        entries.put(handle, value);
        return handle;
    }

    T get(int handle) {
        T value = entries.get(handle);
        if (value == null) {
            throw WasiNnException.invalidArgument("unknown %s handle %d", kind, Integer.toUnsignedLong(handle));
        }
        return value;
    }

    T remove(int handle) {
        T value = entries.remove(handle);
        if (value == null) {
            throw WasiNnException.invalidArgument("unknown %s handle %d", kind, Integer.toUnsignedLong(handle));
        }
        return value;
    }

    List<T> values() {
        return new ArrayList<>(entries.values());
    }

    /** Removes and returns everything (instance teardown). */
    List<T> drain() {
        List<T> all = new ArrayList<>();
        for (Integer h : new ArrayList<>(entries.keySet())) {
            T v = entries.remove(h);
            if (v != null) {
                all.add(v);
            }
        }
        return all;
    }

    int size() {
        return entries.size();
    }
}
