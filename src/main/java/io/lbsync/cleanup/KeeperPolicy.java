package io.lbsync.cleanup;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which copy of a duplicated service ID stays, deterministically, so that every lbsync instance (and every run)
 * picks the same one: (1) the copy whose node address equals the service address — the instance registered on
 * its own host's agent; then (2) passing health; then (3) the oldest registration (lowest CreateIndex); ties by
 * node name. Exactly one copy is always kept: the last copy is never removed.
 */
public final class KeeperPolicy {
    static final Comparator<Copy> ORDER = Comparator.comparing((Copy c) -> !c.localToNode())
            .thenComparing(c -> !c.passing())
            .thenComparingLong(Copy::createIndex)
            .thenComparing(Copy::node);

    /** @param copies two or more registrations of one service ID on different nodes */
    public Verdict decide(List<Copy> copies) {
        if (copies.isEmpty()) {
            throw new IllegalArgumentException("no copy to decide on");
        }
        List<Copy> sorted = new ArrayList<>(copies);
        sorted.sort(ORDER);
        Copy keeper = sorted.get(0);
        List<Copy> extras = List.copyOf(sorted.subList(1, sorted.size()));
        return new Verdict(keeper, extras.isEmpty() ? "only copy" : why(keeper, extras.get(0)), extras);
    }

    /** The first rule that tells the keeper from the runner-up. */
    private static String why(Copy keeper, Copy next) {
        if (keeper.localToNode() != next.localToNode()) {
            return "node address equals service address";
        }
        if (keeper.passing() != next.passing()) {
            return "passing health";
        }
        if (keeper.createIndex() != next.createIndex()) {
            return "oldest registration (CreateIndex " + keeper.createIndex() + ")";
        }
        return "first node name";
    }

    public record Verdict(Copy keeper, String reason, List<Copy> extras) {
    }
}
