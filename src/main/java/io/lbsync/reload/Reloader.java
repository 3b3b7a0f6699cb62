package io.lbsync.reload;

import io.lbsync.command.CommandResult;

/** Makes the proxy load the live config file. */
public interface Reloader {
    CommandResult reload();

    /** For logs: what this reloader does. */
    String describe();
}
