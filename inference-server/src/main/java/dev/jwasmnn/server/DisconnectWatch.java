package dev.jwasmnn.server;

import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Notices a client that hangs up while its request waits in a model's queue, so the queued
 * work is cancelled instead of run for nobody. Helidon 4.3.4 has no API for this: the handler
 * is not interrupted and the socket still reads as connected. What works is a read on the
 * connection from a second virtual thread: it fails at once when the client closes.
 *
 * <p>That read competes with the connection's own read of the next request, so a request
 * that was watched answers with {@code Connection: close}. Only requests that actually have to
 * wait are watched; the common, unqueued path keeps its keep-alive connection.
 */
final class DisconnectWatch {
    /** The request's connection, captured by {@link #LISTENER} on the thread that runs the handler. */
    private static final ThreadLocal<ConnectionContext> CONNECTION = new ThreadLocal<>();

    /** Receive listener for the HTTP/1 protocol: remembers the connection of each request. */
    static final Http1ConnectionListener LISTENER = new Http1ConnectionListener() {
        @Override
        public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
            CONNECTION.set(ctx);
        }
    };

    private static final int WAITING = 0;
    private static final int DONE = 1;
    private static final int CLIENT_GONE = 2;
    private static final int INTERRUPTED = 3;

    private final AtomicInteger state = new AtomicInteger(WAITING);
    private final Thread requestThread;

    private DisconnectWatch(Thread requestThread) {
        this.requestThread = requestThread;
    }

    /**
     * Starts watching the current request's connection; null when it is unknown (another
     * protocol). The caller must {@link #stop()} it and then close the connection.
     */
    static DisconnectWatch start() {
        ConnectionContext ctx = CONNECTION.get();
        if (ctx == null) {
            return null;
        }
        DisconnectWatch w = new DisconnectWatch(Thread.currentThread());
        Thread.ofVirtual().name("jwasm-disconnect-watch").start(() -> {
            try {
                ctx.dataReader().ensureAvailable();
                // Bytes arrived (a pipelined request): the client is still there; stop watching.
            } catch (RuntimeException e) {
                // End of stream or a reset: the client left.
                if (w.state.compareAndSet(WAITING, CLIENT_GONE)) {
                    w.requestThread.interrupt();
                    w.state.set(INTERRUPTED);
                }
            }
        });
        return w;
    }

    /**
     * Ends the watch. True when the client had already gone (the request thread was or will be
     * interrupted, and its interrupt flag is cleared here).
     */
    boolean stop() {
        if (state.compareAndSet(WAITING, DONE)) {
            return false;
        }
        // The watcher won: wait the instant until its interrupt has landed, then clear it, so
        // the error response is not written with the flag set.
        while (state.get() != INTERRUPTED) {
            Thread.onSpinWait();
        }
        Thread.interrupted();
        return true;
    }
}
