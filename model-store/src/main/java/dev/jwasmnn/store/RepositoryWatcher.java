package dev.jwasmnn.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code serve --watch}: polls the repository and loads, reloads or unloads a model when its
 * folder changes. A change is acted on only after the folder has looked the same for one more
 * poll, so a writer that copies a file in place is not caught halfway; writers that stage in a
 * hidden folder and rename (as {@code jwasm-nn deploy} does) are never caught halfway at all.
 * A failed load is kept in status and not retried until the folder changes again.
 */
public final class RepositoryWatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RepositoryWatcher.class.getName());

    private final ModelStore store;
    private final ScheduledExecutorService timer;
    /** What was applied for each model; the store serves what this describes (or recorded why not). */
    private final Map<String, String> applied = new HashMap<>();
    /** What the previous poll saw, to require one stable poll before acting. */
    private Map<String, String> previous = Map.of();

    private RepositoryWatcher(ModelStore store) {
        this.store = store;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jwasm-repository-watch");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts watching; the current folders count as applied (the caller loaded them). */
    public static RepositoryWatcher start(ModelStore store, Duration interval) {
        RepositoryWatcher w = new RepositoryWatcher(store);
        w.previous = w.scan();
        w.applied.putAll(w.previous);
        w.timer.scheduleWithFixedDelay(w::pollSafely, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return w;
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "repository watch failed: " + e.getMessage(), e);
        }
    }

    /** One pass; visible for tests that drive it without waiting for the timer. */
    synchronized void poll() {
        Map<String, String> now = scan();
        Set<String> names = new HashSet<>(now.keySet());
        names.addAll(applied.keySet());
        for (String model : names) {
            String current = now.get(model);
            boolean stable = java.util.Objects.equals(current, previous.get(model));
            if (!stable || java.util.Objects.equals(current, applied.get(model))) {
                continue;
            }
            if (current == null) {
                LOG.log(System.Logger.Level.INFO, "watch: model " + model + " removed from the repository; unloading");
                store.unload(model);
                applied.remove(model);
                continue;
            }
            LOG.log(System.Logger.Level.INFO, "watch: model " + model + " changed; loading");
            try {
                store.load(model);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "watch: model " + model + " did not load: " + e.getMessage());
            }
            applied.put(model, current);
        }
        previous = now;
    }

    /** A fingerprint per model folder: every file's path, size and modification time. */
    private Map<String, String> scan() {
        Map<String, String> out = new TreeMap<>();
        for (String model : store.repository().modelNames()) {
            StringBuilder b = new StringBuilder();
            fingerprint(store.repository().modelDir(model), "", b, 0);
            out.put(model, b.toString());
        }
        return out;
    }

    private static void fingerprint(Path dir, String prefix, StringBuilder b, int depth) {
        TreeMap<String, Path> entries = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(p -> entries.put(p.getFileName().toString(), p));
        } catch (IOException e) {
            b.append("!unreadable");
            return;
        }
        for (var e : entries.entrySet()) {
            if (e.getKey().startsWith(".")) {
                continue; // staging folders and editor temp files
            }
            try {
                BasicFileAttributes a = Files.readAttributes(e.getValue(), BasicFileAttributes.class);
                if (a.isDirectory()) {
                    if (depth == 0) {
                        fingerprint(e.getValue(), prefix + e.getKey() + "/", b, depth + 1);
                    }
                } else {
                    b.append(prefix).append(e.getKey()).append(':').append(a.size()).append(':')
                            .append(a.lastModifiedTime().toMillis()).append('\n');
                }
            } catch (IOException ex) {
                b.append(prefix).append(e.getKey()).append(":gone\n");
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            // A poll may be inside store.load: let it finish before the store is closed under it.
            timer.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
