package dev.jwasmnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ComputeSlotsTest {

    static long inMillis(long ms) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    }

    /** Waits (bounded) until {@code n} threads wait for a slot. */
    static void awaitWaiting(ComputeSlots slots, int n) throws InterruptedException {
        long until = inMillis(5000);
        while (slots.waiting() != n) {
            assertThat(System.nanoTime() - until).as("%d waiting, want %d", slots.waiting(), n).isNegative();
            Thread.sleep(2);
        }
    }

    @Test
    void atMostTheLimitComputeAndTheDeadlineEndsAWaitWithoutASlot() throws Exception {
        ComputeSlots slots = new ComputeSlots(2);
        ComputeSlots.Slot a = slots.enter(inMillis(1000));
        ComputeSlots.Slot b = slots.enter(inMillis(1000));
        assertThat(a).isNotNull();
        assertThat(b).isNotNull();
        long start = System.nanoTime();
        assertThat(slots.enter(inMillis(50))).as("both slots are held").isNull();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(45));
        assertThat(slots.busy()).isEqualTo(2);
        assertThat(slots.waiting()).isZero();
        a.close();
        try (ComputeSlots.Slot c = slots.enter(inMillis(1000))) {
            assertThat(c).as("a closed slot is free again").isNotNull();
        }
        b.close();
        assertThat(slots.busy()).isZero();
    }

    @Test
    void aDeadlineAlreadyPastGetsNoSlotEvenWhenOneIsFree() throws Exception {
        ComputeSlots slots = new ComputeSlots(1);
        assertThat(slots.enter(System.nanoTime() - 1)).isNull();
        assertThat(slots.busy()).isZero();
        try (ComputeSlots.Slot s = slots.enter(inMillis(1000))) {
            assertThat(s).isNotNull();
        }
    }

    @Test
    void closingTwiceFreesOneSlot() throws Exception {
        ComputeSlots slots = new ComputeSlots(1);
        ComputeSlots.Slot a = slots.enter();
        a.close();
        ComputeSlots.Slot b = slots.enter();
        a.close(); // must not free b's slot
        assertThat(slots.busy()).isEqualTo(1);
        assertThat(slots.enter(inMillis(20))).isNull();
        b.close();
        assertThat(slots.busy()).isZero();
    }

    @Test
    void waitersTakeTurnsInArrivalOrder() throws Exception {
        ComputeSlots slots = new ComputeSlots(1);
        ComputeSlots.Slot held = slots.enter();
        List<String> order = new CopyOnWriteArrayList<>();
        Thread[] threads = new Thread[4];
        for (int i = 0; i < threads.length; i++) {
            String name = "w" + i;
            threads[i] = Thread.ofPlatform().start(() -> {
                try (ComputeSlots.Slot s = slots.enter(inMillis(10_000))) {
                    order.add(s == null ? name + " timed out" : name);
                } catch (InterruptedException e) {
                    order.add(name + " interrupted");
                }
            });
            awaitWaiting(slots, i + 1);
        }
        held.close();
        for (Thread t : threads) {
            t.join(10_000);
        }
        assertThat(order).containsExactly("w0", "w1", "w2", "w3");
        assertThat(slots.busy()).isZero();
        assertThat(slots.waiting()).isZero();
    }

    @Test
    void anInterruptedWaiterLeavesWithoutASlot() throws Exception {
        ComputeSlots slots = new ComputeSlots(1);
        ComputeSlots.Slot held = slots.enter();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                slots.enter();
                failure.set(new AssertionError("got a slot that was held"));
            } catch (InterruptedException e) {
                failure.set(e);
            }
        });
        awaitWaiting(slots, 1);
        waiter.interrupt();
        waiter.join(5000);
        assertThat(failure.get()).isInstanceOf(InterruptedException.class);
        assertThat(slots.waiting()).isZero();
        held.close();
        assertThat(slots.busy()).isZero();
    }

    @Test
    void aLargerLimitLetsWaitersInAndASmallerOneDisturbsNoHolder() throws Exception {
        ComputeSlots slots = new ComputeSlots(1);
        ComputeSlots.Slot first = slots.enter();
        AtomicReference<ComputeSlots.Slot> second = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                second.set(slots.enter(inMillis(10_000)));
            } catch (InterruptedException ignored) {
                // the assertion below reports it
            }
        });
        awaitWaiting(slots, 1);
        slots.resize(2);
        waiter.join(5000);
        assertThat(second.get()).isNotNull();
        assertThat(slots.busy()).isEqualTo(2);
        slots.resize(1);
        assertThat(slots.busy()).as("holders keep their slots").isEqualTo(2);
        first.close();
        assertThat(slots.enter(inMillis(20))).as("one slot, still held by the second").isNull();
        second.get().close();
        assertThat(slots.enter(inMillis(1000))).isNotNull();
    }

    @Test
    void aLimitBelowOneIsRefused() {
        assertThatThrownBy(() -> new ComputeSlots(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
        assertThatThrownBy(() -> new ComputeSlots(1).resize(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
