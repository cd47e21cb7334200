package dev.jwasmnn.server;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Per-model admission: at most {@code places} requests in flight (the model's {@code in_flight};
 * their computes take turns at its {@link dev.jwasmnn.nn.ComputeSlots}), at most {@code maxQueue} wait
 * (first come, first served), and a waiter gives up at its deadline or when its thread is
 * interrupted (client gone), freeing its queue place at once. Over the queue limit a request is
 * refused immediately, so an overloaded model answers 503 instead of piling up latency.
 */
final class AdmissionQueue {
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Condition slotFree = lock.newCondition();
    private int places;
    private int maxQueue;
    private int running;
    private int waiting;

    AdmissionQueue(int places, int maxQueue) {
        this.places = places;
        this.maxQueue = maxQueue;
    }

    /** A held slot; closing it lets the next waiter in. */
    interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    /** A request that never got a slot. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean queueFull;

        Refused(boolean queueFull, String message) {
            super(message, null, false, false);
            this.queueFull = queueFull;
        }
    }

    /** A slot if one is free and nobody waits; null when the caller would have to queue. */
    Permit tryEnter() {
        lock.lock();
        try {
            if (running < places && waiting == 0) {
                running++;
                return this::exit;
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for a slot until {@code deadlineNanos} ({@link System#nanoTime()} based).
     *
     * @throws Refused queueFull when the queue is full, else the deadline passed while queued
     * @throws InterruptedException when the waiting thread was interrupted (the client left)
     */
    Permit enter(long deadlineNanos) throws Refused, InterruptedException {
        return enter(deadlineNanos, Long.MAX_VALUE, null);
    }

    /**
     * As {@link #enter(long)}; once the caller has waited until {@code longWaitNanos}, runs
     * {@code onLongWait} once on the caller's thread (the server starts watching for a client
     * that hangs up, which costs a thread and a read per waiting request, so only long waits pay it).
     */
    Permit enter(long deadlineNanos, long longWaitNanos, Runnable onLongWait) throws Refused, InterruptedException {
        lock.lockInterruptibly();
        try {
            if (running < places && waiting == 0) {
                running++;
                return this::exit;
            }
            if (waiting >= maxQueue) {
                throw new Refused(true, "too many requests: " + running + " in flight and " + waiting
                        + " queued (max_queue " + maxQueue + "); retry later");
            }
            waiting++;
            try {
                boolean noticed = onLongWait == null;
                while (running >= places) {
                    long now = System.nanoTime();
                    long left = deadlineNanos - now;
                    if (left <= 0) {
                        throw new Refused(false, "the deadline passed while the request was queued");
                    }
                    if (!noticed && now - longWaitNanos >= 0) {
                        noticed = true;
                        onLongWait.run();
                    }
                    slotFree.awaitNanos(noticed ? left : Math.min(left, longWaitNanos - now));
                }
                running++;
                return this::exit;
            } finally {
                waiting--;
                if (running < places) {
                    // Leaving (admitted, timed out or interrupted) may let the next waiter in.
                    slotFree.signal();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void exit() {
        lock.lock();
        try {
            running--;
            slotFree.signal();
        } finally {
            lock.unlock();
        }
    }

    /** New limits from a reloaded config; running requests are not disturbed. */
    void resize(int newPlaces, int newMaxQueue) {
        lock.lock();
        try {
            if (newPlaces != places || newMaxQueue != maxQueue) {
                places = newPlaces;
                maxQueue = newMaxQueue;
                slotFree.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    int running() {
        lock.lock();
        try {
            return running;
        } finally {
            lock.unlock();
        }
    }

    int waiting() {
        lock.lock();
        try {
            return waiting;
        } finally {
            lock.unlock();
        }
    }

    static long deadlineAfter(long startNanos, java.time.Duration d) {
        return startNanos + Math.min(d.toNanos(), TimeUnit.DAYS.toNanos(1));
    }
}
