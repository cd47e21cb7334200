package dev.jwasmnn.nn.spi;

import java.util.concurrent.atomic.AtomicInteger;

/** Counts open native resources of one kind, so leaks show up in tests and metrics. */
public final class ResourceCounter {
    private final AtomicInteger open = new AtomicInteger();

    public void opened() {
        open.incrementAndGet();
    }

    public void closed() {
        open.decrementAndGet();
    }

    public int open() {
        return open.get();
    }
}
