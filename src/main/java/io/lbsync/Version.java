package io.lbsync;

/** lbsync's version, from the jar's manifest (Implementation-Version); "dev" when run from classes. */
final class Version {
    private Version() {
    }

    static String current() {
        String v = LbsyncMain.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
