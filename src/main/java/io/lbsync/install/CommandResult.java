package io.lbsync.install;

/** How a validate or reload command ended; output is bounded for logging. */
public record CommandResult(int exitCode, boolean timedOut, String output) {
    public boolean succeeded() {
        return exitCode == 0 && !timedOut;
    }

    public String describe() {
        String how = timedOut ? "timed out" : "exit " + exitCode;
        return output.isBlank() ? how : how + ": " + output.strip();
    }
}
