package io.lbsync.command;

import java.nio.charset.StandardCharsets;

/**
 * How a validate or reload command ended.
 *
 * @param exitCode    the process's exit code; {@link #NOT_RUN} when it could not be started
 * @param timedOut    it ran past its timeout and was killed (a failure whatever the exit code)
 * @param output      stdout and stderr merged, bounded (first and last few KB, with a marker for what was left out)
 * @param outputBytes how many bytes the command wrote in all
 * @param detail      how it ended, for an operator, when the exit code alone does not say it ("timed out after 30s,
 *                    killed ...", "cannot run ..."); empty otherwise
 */
public record CommandResult(int exitCode, boolean timedOut, String output, long outputBytes, String detail) {
    /** The exit code reported for a command that could not be started (missing binary, not executable). */
    public static final int NOT_RUN = -1;

    public CommandResult(int exitCode, boolean timedOut, String output) {
        this(exitCode, timedOut, output, output.getBytes(StandardCharsets.UTF_8).length, "");
    }

    public static CommandResult notRun(String why) {
        return new CommandResult(NOT_RUN, false, "", 0, why);
    }

    public boolean succeeded() {
        return exitCode == 0 && !timedOut;
    }

    public String describe() {
        String how = !detail.isEmpty() ? detail : timedOut ? "timed out" : "exit " + exitCode;
        return output.isBlank() ? how : how + ": " + output.strip();
    }
}
