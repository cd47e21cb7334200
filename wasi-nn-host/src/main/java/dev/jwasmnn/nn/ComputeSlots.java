package dev.jwasmnn.nn;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Turns at computing on one model: at most {@code slots} computes at once, the rest waiting in
 * arrival order. Only the compute itself holds a slot, so a request can decode its input or run
 * its guest while another computes, and the next compute starts the moment one ends instead of
 * after the finished request has written its answer and the next one has prepared its input.
 *
 * <p>Thread-safe. The limit can change while computes run (a reloaded config).
 */
public final class ComputeSlots {
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Condition free = lock.newCondition();
    private int slots;
    private int busy;
    private int waiting;

    /** A held slot; closing it (once, later closes do nothing) lets the next compute in. */
    public interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    public ComputeSlots(int slots) {
        this.slots = check(slots);
    }

    /**
     * Waits for a slot until {@code deadlineNanos} ({@link System#nanoTime()} based).
     *
     * @return the slot, or null when the deadline passed first
     * @throws InterruptedException when the thread is interrupted while waiting (no slot is held)
     */
    public Slot enter(long deadlineNanos) throws InterruptedException {
        return enter(deadlineNanos, true);
    }

    /** Waits for a slot for as long as it takes; only an interrupt ends the wait. */
    public Slot enter() throws InterruptedException {
        return enter(0, false);
    }

    private Slot enter(long deadlineNanos, boolean timed) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            if (timed && deadlineNanos - System.nanoTime() <= 0) {
                return null; // a compute past its deadline would only be cancelled
            }
            if (busy < slots && waiting == 0) {
                busy++;
                return new Held();
            }
            waiting++;
            try {
                while (busy >= slots) {
                    if (!timed) {
                        free.await();
                        continue;
                    }
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0) {
                        return null;
                    }
                    free.awaitNanos(left);
                }
                if (timed && deadlineNanos - System.nanoTime() <= 0) {
                    return null; // woke for a free slot just too late: leave it to the next waiter
                }
                busy++;
                return new Held();
            } finally {
                waiting--;
                if (busy < slots) {
                    // Leaving (with a slot, timed out or interrupted) may let the next waiter in.
                    free.signal();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** A new limit; computes running now finish undisturbed. */
    public void resize(int newSlots) {
        check(newSlots);
        lock.lock();
        try {
            if (newSlots == slots) {
                return;
            }
            slots = newSlots;
            free.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Computes holding a slot now. */
    public int busy() {
        lock.lock();
        try {
            return busy;
        } finally {
            lock.unlock();
        }
    }

    /** Computes waiting for a slot now. */
    public int waiting() {
        lock.lock();
        try {
            return waiting;
        } finally {
            lock.unlock();
        }
    }

    private static int check(int slots) {
        if (slots < 1) {
            throw new IllegalArgumentException("compute slots must be at least 1, not " + slots);
        }
        return slots;
    }

    private final class Held implements Slot {
        private boolean closed;

        @Override
        public void close() {
            lock.lock();
            try {
                if (!closed) {
                    closed = true;
                    busy--;
                    if (busy < slots) {
                        // Only a free slot wakes the first waiter (after a lowered limit, none is free yet).
                        free.signal();
                    }
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
