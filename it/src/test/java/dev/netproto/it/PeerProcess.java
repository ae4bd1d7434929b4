package dev.netproto.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real peer run as a process (openssl, socat) for a test: standard output and error are captured together as
 * they arrive, so a test can wait for a line, and every failure message carries the command and what it printed.
 * {@link #close()} destroys the process if it is still running and waits for it, bounded; use it in
 * try-with-resources so that no peer outlives its test.
 */
final class PeerProcess implements AutoCloseable {
    private static final Duration DESTROY_WAIT = Duration.ofSeconds(5);

    private final List<String> command;
    private final Process process;
    private final OutputStream stdin;
    /** What the process printed so far; guarded by itself. */
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final Thread reader;

    private PeerProcess(List<String> command, Process process) {
        this.command = command;
        this.process = process;
        this.stdin = process.getOutputStream();
        this.reader = Thread.ofVirtual().name("peer-output").start(this::drain);
    }

    /** Starts a process in a directory, its standard input a pipe that stays open until {@link #closeInput()}. */
    static PeerProcess start(Path dir, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        return new PeerProcess(List.copyOf(command), process);
    }

    private void drain() {
        byte[] chunk = new byte[8192];
        try (InputStream in = process.getInputStream()) {
            for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
                synchronized (output) {
                    output.write(chunk, 0, n);
                }
            }
        } catch (IOException ignore) {
            // The process was destroyed: what it printed until then is kept.
        }
    }

    /** Everything printed so far, bytes as they came (ISO-8859-1, so binary frames survive one to one). */
    String output() {
        synchronized (output) {
            return output.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** The command line and its output so far, for assertion messages. */
    String describe() {
        return "$ " + String.join(" ", command) + "\n" + output();
    }

    /** Writes to the process's standard input. */
    void write(byte[] bytes) throws IOException {
        stdin.write(bytes);
        stdin.flush();
    }

    /** Closes the process's standard input: end of file for it. */
    void closeInput() throws IOException {
        stdin.close();
    }

    /** Waits until the output contains {@code fragment}; fails with the output otherwise. */
    void awaitOutput(String fragment, Duration timeout) throws InterruptedException {
        try {
            Conditions.await("'" + fragment + "' in the output", timeout,
                () -> output().contains(fragment) || !reader.isAlive());
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + describe(), e);
        }
        if (!output().contains(fragment)) {
            throw new AssertionError("'" + fragment + "' never printed; the process ended\n" + describe());
        }
    }

    /** Waits for the process to exit by itself and for its output to be read; returns its exit status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running after " + timeout + "\n" + describe());
        }
        reader.join(DESTROY_WAIT);
        return process.exitValue();
    }

    /** Destroys the process if it still runs, and waits for it, bounded. */
    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignore) {
            // The process already ended and closed its end of the pipe.
        }
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        try {
            if (!process.waitFor(DESTROY_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("could not end " + describe());
            }
            reader.join(DESTROY_WAIT);
        } catch (InterruptedException ignore) {
            // The test is being stopped; the process was destroyed already.
            Thread.currentThread().interrupt();
        }
    }
}
