package dev.jwasmnn.guest;

import java.io.IOException;
import java.io.OutputStream;

/** Passes bytes through until {@code limit}, then fails the write that would cross it. */
final class CappedOutputStream extends OutputStream {
    private final OutputStream target;
    private final String stream;
    private final long limit;
    private long written;
    private volatile boolean exceeded;

    CappedOutputStream(OutputStream target, String stream, long limit) {
        this.target = target;
        this.stream = stream;
        this.limit = limit;
    }

    boolean exceeded() {
        return exceeded;
    }

    long written() {
        return written;
    }

    @Override
    public void write(int b) throws IOException {
        admit(1);
        target.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        admit(len);
        target.write(b, off, len);
    }

    private void admit(int len) {
        if (written + len > limit) {
            exceeded = true;
            throw new OutputLimitExceededException(stream, limit);
        }
        written += len;
    }

    @Override
    public void flush() throws IOException {
        target.flush();
    }
}
