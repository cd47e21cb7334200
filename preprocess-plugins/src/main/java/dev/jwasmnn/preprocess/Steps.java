package dev.jwasmnn.preprocess;

import dev.jwasmnn.preprocess.spi.StepProvider;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The step providers on the class path, by name; the first one registered under a name wins. */
public final class Steps {
    private final Map<String, StepProvider> byName = new TreeMap<>();

    private Steps() {
        ServiceLoader.load(StepProvider.class, Steps.class.getClassLoader())
                .forEach(p -> byName.putIfAbsent(p.name(), p));
    }

    private static final class Holder {
        static final Steps INSTANCE = new Steps();
    }

    public static Steps discover() {
        return Holder.INSTANCE;
    }

    /** @throws IllegalArgumentException naming the known steps */
    public StepProvider get(String name) {
        StepProvider p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("unknown pipeline step '" + name + "' (known: " + byName.keySet() + ")");
        }
        return p;
    }
}
