package dev.jwasmnn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU that other processes (and the hypervisor, as steal) took while we measured. The machine is
 * shared, and one busy neighbour can triple a MobileNetV2 inference; the report shows this per
 * phase so a disturbed round can be told from a real change. Our own CPU includes wrk's, since
 * it is a child we wait for. Linux only: elsewhere the figures are NaN.
 */
record ServerLoadNoise(long busy, long total, long self) {

    static ServerLoadNoise sample() {
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
            long total = 0;
            for (int i = 1; i <= 8; i++) {
                total += Long.parseLong(cpu[i]);
            }
            long busy = total - Long.parseLong(cpu[4]) - Long.parseLong(cpu[5]);
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // Fields after the command name, which may contain spaces: utime is the 12th, then stime, cutime, cstime.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long self = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
            return new ServerLoadNoise(busy, total, self);
        } catch (IOException | RuntimeException e) {
            return new ServerLoadNoise(-1, -1, -1);
        }
    }

    /** Share of all cores' time since {@code start} used by other processes, 0 to 1. */
    double foreignShareSince(ServerLoadNoise start) {
        if (total < 0 || start.total < 0 || total == start.total) {
            return Double.NaN;
        }
        long foreign = (busy - start.busy) - (self - start.self);
        return Math.max(0, (double) foreign / (total - start.total));
    }
}
