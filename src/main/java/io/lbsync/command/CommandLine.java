package io.lbsync.command;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command property ("haproxy -c -q -f {file}") into an argument array, honouring '...' and "..."
 * quoting, and fills in {file} per argument. There is no shell: a path with spaces or ';' stays one argument.
 */
public final class CommandLine {
    private CommandLine() {
    }

    public static List<String> split(String property, String command) {
        List<String> args = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean inArg = false;
        char quote = 0;
        for (char c : command.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    current.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inArg = true;
            } else if (Character.isWhitespace(c)) {
                if (inArg) {
                    args.add(current.toString());
                    current.setLength(0);
                    inArg = false;
                }
            } else {
                current.append(c);
                inArg = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException(property + ": unbalanced quote in '" + command + "'");
        }
        if (inArg) {
            args.add(current.toString());
        }
        if (args.isEmpty()) {
            throw new IllegalArgumentException(property + ": empty command");
        }
        return List.copyOf(args);
    }

    public static List<String> withFile(List<String> args, String file) {
        return args.stream().map(a -> a.replace("{file}", file)).toList();
    }
}
