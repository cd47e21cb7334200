package dev.jwasmnn.server;

import io.helidon.common.socket.PlainSocket;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Notices a client that hangs up while its request waits in a model's queue, so the queued
 * work is cancelled instead of run for nobody. Helidon 4.3.4 has no API for this: the handler
 * is not interrupted and the socket still reads as connected. What works is a read on the
 * connection from a second virtual thread: it fails at once when the client closes.
 *
 * <p>The watcher reads through the connection's own {@code DataReader}, so bytes of a next
 * request land in its buffer, where the connection finds them. It must have stopped reading
 * before the connection reads again: its reads time out every {@link #POLL_MILLIS} (a socket
 * read timeout, set for the watch and restored after), and {@link #end()} waits for it once the
 * answer is written. Helidon keeps the socket behind a private field; when that cannot be
 * reached the watcher cannot be stopped, and a watched request answers with
 * {@code Connection: close} instead.
 */
final class DisconnectWatch {
    /** How long one read of the watcher blocks before it checks whether the watch has ended. */
    static final int POLL_MILLIS = 100;

    /** The request's connection, captured by {@link #LISTENER} on the thread that runs the handler. */
    private static final ThreadLocal<ConnectionContext> CONNECTION = new ThreadLocal<>();

    /** Receive listener for the HTTP/1 protocol: remembers the connection of each request. */
    static final Http1ConnectionListener LISTENER = new Http1ConnectionListener() {
        @Override
        public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
            CONNECTION.set(ctx);
        }
    };

    /** Helidon's socket behind a connection (its private {@code delegate}), or null when unreachable. */
    private static final VarHandle SOCKET = socketHandle();

    private static final int WAITING = 0;
    private static final int DONE = 1;
    private static final int CLIENT_GONE = 2;
    private static final int INTERRUPTED = 3;
    /** The request thread has seen the hang-up and cleared the interrupt. */
    private static final int GONE_SEEN = 4;

    private final AtomicInteger state = new AtomicInteger(WAITING);
    private final Thread requestThread;
    /** Null when the watcher's reads cannot time out: then the connection closes after the answer. */
    private final Socket socket;
    private final int timeoutBefore;
    private Thread watcher;

    private DisconnectWatch(Thread requestThread, Socket socket, int timeoutBefore) {
        this.requestThread = requestThread;
        this.socket = socket;
        this.timeoutBefore = timeoutBefore;
    }

    /**
     * Starts watching the current request's connection; null when it is unknown (another
     * protocol). The caller must {@link #stop()} the watch when the wait ends, and
     * {@link #end()} it once the answer is written.
     */
    static DisconnectWatch start() {
        ConnectionContext ctx = CONNECTION.get();
        if (ctx == null) {
            return null;
        }
        Socket socket = socketOf(ctx);
        int timeoutBefore = 0;
        if (socket != null) {
            try {
                timeoutBefore = socket.getSoTimeout();
                socket.setSoTimeout(POLL_MILLIS);
            } catch (IOException e) {
                socket = null; // closing already: the watch will notice
            }
        }
        DisconnectWatch w = new DisconnectWatch(Thread.currentThread(), socket, timeoutBefore);
        try {
            w.watcher = Thread.ofVirtual().name("jwasm-disconnect-watch").start(() -> w.watch(ctx));
        } catch (RuntimeException | Error e) {
            w.restoreTimeout(); // no watcher: the connection must not keep the short timeout
            throw e;
        }
        return w;
    }

    /** Whether the connection can stay open after the answer; otherwise answer with {@code Connection: close}. */
    boolean keepsConnection() {
        return socket != null;
    }

    private void watch(ConnectionContext ctx) {
        while (true) {
            try {
                ctx.dataReader().ensureAvailable();
                // Bytes arrived (a pipelined request, or the next one after the answer): the client is there.
                return;
            } catch (RuntimeException e) {
                if (timedOut(e)) {
                    if (state.get() != WAITING) {
                        return; // the wait is over (stop or end): nothing left to watch for
                    }
                    continue;
                }
                // End of stream or a reset: the client left.
                if (state.compareAndSet(WAITING, CLIENT_GONE)) {
                    requestThread.interrupt();
                    state.set(INTERRUPTED);
                }
                return;
            }
        }
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Ends the wait: from here on a hang-up no longer interrupts the request. True when the
     * client had already gone (the request thread was or will be interrupted, and its interrupt
     * flag is cleared here). Called on the request's thread; calling it again gives the same answer.
     */
    boolean stop() {
        if (state.compareAndSet(WAITING, DONE) || state.get() == DONE) {
            return false;
        }
        if (state.get() != GONE_SEEN) {
            // The watcher won: wait the instant until its interrupt has landed, then clear it, so
            // the error response is not written with the flag set.
            while (state.get() != INTERRUPTED) {
                Thread.onSpinWait();
            }
            Thread.interrupted();
            state.set(GONE_SEEN);
        }
        return true;
    }

    /**
     * Called on the request's thread once the answer is written: waits until the watcher no
     * longer reads (it stops at its next timed-out read once the wait is over, so this is at once
     * or within {@link #POLL_MILLIS}) and restores the socket's read timeout, so the connection
     * can read its next request.
     */
    void end() {
        stop();
        if (socket == null) {
            return; // the connection closes after this answer; the watcher ends with it
        }
        boolean interrupted = false;
        while (true) {
            try {
                watcher.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // bounded by one poll: finish, then hand the interrupt on
            }
        }
        restoreTimeout();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void restoreTimeout() {
        if (socket == null) {
            return;
        }
        try {
            socket.setSoTimeout(timeoutBefore);
        } catch (IOException e) {
            // Closed meanwhile: the connection ends anyway.
        }
    }

    /** Whether watched requests keep their connections (Helidon's socket is reachable). */
    static boolean keepsConnections() {
        return SOCKET != null;
    }

    private static Socket socketOf(ConnectionContext ctx) {
        if (SOCKET != null && ctx.serverSocket() instanceof PlainSocket plain) {
            return (Socket) SOCKET.get(plain);
        }
        return null;
    }

    private static VarHandle socketHandle() {
        try {
            return MethodHandles.privateLookupIn(PlainSocket.class, MethodHandles.lookup())
                    .findVarHandle(PlainSocket.class, "delegate", Socket.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.getLogger(DisconnectWatch.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot reach Helidon's socket (" + e + "): requests that wait over 50 ms in a queue "
                            + "will answer with Connection: close");
            return null;
        }
    }

    /** The watch of one request, if it has to wait long enough to get one. Used on the request's thread. */
    static final class OfRequest {
        private DisconnectWatch watch;

        /** Starts the watch; a watch that cannot end cleanly makes the answer close the connection. */
        void start(ServerResponse res) {
            if (watch != null) {
                return; // one watch per request
            }
            watch = DisconnectWatch.start();
            if (watch != null && !watch.keepsConnection()) {
                res.header(HeaderValues.CONNECTION_CLOSE);
            }
        }

        /** Ends the wait; true when the client hung up during it. */
        boolean clientGone() {
            return watch != null && watch.stop();
        }

        /** Once the answer is written: the connection may read its next request after this. */
        void end() {
            if (watch != null) {
                watch.end();
            }
        }
    }
}
