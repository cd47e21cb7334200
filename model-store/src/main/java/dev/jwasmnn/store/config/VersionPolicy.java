package dev.jwasmnn.store.config;

import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/** Which of the version folders on disk are served: the latest N, all, or a fixed list. */
public sealed interface VersionPolicy {

    /** The versions to serve out of those present, ascending. */
    NavigableSet<Long> select(NavigableSet<Long> present);

    record Latest(int count) implements VersionPolicy {
        @Override
        public NavigableSet<Long> select(NavigableSet<Long> present) {
            TreeSet<Long> out = new TreeSet<>();
            for (Long v : present.descendingSet()) {
                if (out.size() == count) {
                    break;
                }
                out.add(v);
            }
            return out;
        }
    }

    record All() implements VersionPolicy {
        @Override
        public NavigableSet<Long> select(NavigableSet<Long> present) {
            return new TreeSet<>(present);
        }
    }

    record Specific(List<Long> versions) implements VersionPolicy {
        public Specific {
            versions = List.copyOf(versions);
        }

        @Override
        public NavigableSet<Long> select(NavigableSet<Long> present) {
            TreeSet<Long> out = new TreeSet<>(versions);
            out.retainAll(present);
            return out;
        }
    }
}
