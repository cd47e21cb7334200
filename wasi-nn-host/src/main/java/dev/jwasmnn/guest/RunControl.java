package dev.jwasmnn.guest;

import java.util.List;

/**
 * Stops one run from another thread (deadline watchdog, cancelling caller). All state changes
 * happen under one lock so an interrupt can never land on the worker thread after the run has
 * finished and the thread moved on to another guest.
 */
final class RunControl {
    private Thread worker;
    private List<HostExtension.Session> sessions = List.of();
    private GuestOutcome stopReason;
    private boolean interruptedByUs;
    private boolean finished;
    private boolean externalInterrupt;

    /** Binds the worker; false if the run was stopped before it started. */
    synchronized boolean start(Thread thread) {
        if (stopReason != null) {
            return false;
        }
        worker = thread;
        return true;
    }

    synchronized void attach(List<HostExtension.Session> s) {
        sessions = s;
        if (stopReason != null) {
            s.forEach(HostExtension.Session::cancel);
        }
    }

    /** Interrupts the guest and abandons host work; the first reason wins. */
    synchronized void stop(GuestOutcome reason) {
        if (finished || stopReason != null) {
            return;
        }
        stopReason = reason;
        if (worker != null) {
            interruptedByUs = true;
            worker.interrupt();
        }
        sessions.forEach(HostExtension.Session::cancel);
    }

    synchronized GuestOutcome stopReason() {
        return stopReason;
    }

    /**
     * Marks the run over and clears any interrupt of the running thread. An interrupt this
     * control did not send came from the thread's owner; {@link #externallyInterrupted()} says so
     * and the caller-thread mode hands it back.
     */
    void finish() {
        boolean ours;
        synchronized (this) {
            finished = true;
            worker = null;
            ours = interruptedByUs;
        }
        externalInterrupt = Thread.interrupted() && !ours;
    }

    boolean externallyInterrupted() {
        return externalInterrupt;
    }
}
