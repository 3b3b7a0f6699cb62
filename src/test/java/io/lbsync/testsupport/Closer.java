package io.lbsync.testsupport;

/** Test teardown: closes resources in the given order, each even when an earlier one failed. */
public final class Closer {
    private Closer() {
    }

    /** Closes every non-null resource in order; the first failure is thrown (later ones added as suppressed). */
    public static void closeAll(AutoCloseable... resources) throws Exception {
        Throwable failure = null;
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception | Error e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw (Exception) failure;
        }
    }
}
