package io.lbsync.install;

import io.lbsync.render.DrainPlan;
import io.lbsync.command.CommandResult;
import io.lbsync.model.ConsulState;

/**
 * One run of a target's install route (routes/targets.yaml): the message body from the first step to the last, so the
 * route reads its progress as {@code ${body.held}}, {@code ${body.changed}}... and a step that needs what an earlier
 * one produced finds it here, typed, instead of in a header another step may or may not have set (consul-template's
 * RenderInput/RenderResult, as one value). Steps run one after another on one thread: no synchronisation.
 */
public final class InstallRun {
    /** How the new file reaches the proxy: no reload (none configured, or the runtime API applied it), master CLI, command. */
    public enum ReloadVia { NONE, MASTER_CLI, COMMAND }

    private final String target;
    private final ConsulState state;
    private final boolean dryRun;
    private boolean held;
    private String text;
    private boolean changed;
    private String liveText = "";
    private boolean hadPrevious;
    private boolean runtimeApplied;
    private CommandResult validation;
    private CommandResult reload;
    private String reloadedBy = "none";
    private Object beforeReload;
    private long reloadStartedNanos;
    private ReloadVia reloadVia = ReloadVia.NONE;
    private CommandRole runningCommand;
    private String changeSummary = "";
    private DrainPlan drainPlan = DrainPlan.NONE;

    public InstallRun(String target, ConsulState state) {
        this(target, state, false);
    }

    /** @param dryRun --dry: the route stops after validation and shows the difference instead of installing */
    public InstallRun(String target, ConsulState state, boolean dryRun) {
        this.target = target;
        this.state = state;
        this.dryRun = dryRun;
    }

    /** True for lbsync --dry: validated, then only shown (the route stops before the swap). */
    public boolean isDryRun() {
        return dryRun;
    }

    /** The target (lbsync.targets) this run is for; its bean has the same name. */
    public String getTarget() {
        return target;
    }

    /** The Consul state being rendered. */
    public ConsulState getState() {
        return state;
    }

    /** True when the implausible-change guard holds this state back (the route stops; tried again later). */
    public boolean isHeld() {
        return held;
    }

    public void setHeld(boolean held) {
        this.held = held;
    }

    /** The rendered config; null before the render. */
    public String getText() {
        return text;
    }

    void setText(String text) {
        this.text = text;
    }

    /** True when the rendered config differs from the live file (or the proxy has not loaded the live one yet). */
    public boolean isChanged() {
        return changed;
    }

    void setChanged(boolean changed) {
        this.changed = changed;
    }

    /** The live file's text when the run compared with it, i.e. before the swap ("" when there was none). */
    public String getLiveText() {
        return liveText;
    }

    void setLiveText(String liveText) {
        this.liveText = liveText;
    }

    /** True when the swap kept a previous live file as the backup (so a failed reload can go back to it). */
    public boolean isHadPrevious() {
        return hadPrevious;
    }

    void swapped(boolean hadPrevious) {
        this.hadPrevious = hadPrevious;
    }

    /** True when HAProxy's runtime API applied the change: no reload. */
    public boolean isRuntimeApplied() {
        return runtimeApplied;
    }

    void setRuntimeApplied(boolean runtimeApplied) {
        this.runtimeApplied = runtimeApplied;
    }

    /** How the validate command ended (null until it ran). */
    public CommandResult getValidation() {
        return validation;
    }

    /** How the reload ended (null until it ran). */
    public CommandResult getReload() {
        return reload;
    }

    /** The command about to run (exec: binding, before the process starts). */
    void commandStarting(CommandRole role) {
        this.runningCommand = role;
    }

    /** Records how the command started last ended. */
    void commandEnded(CommandResult result) {
        if (runningCommand == null) {
            throw new IllegalStateException("a command ended that this run did not start");
        }
        switch (runningCommand) {
            case VALIDATE -> validation = result;
            case RELOAD -> reload = result;
        }
        runningCommand = null;
    }

    /** For the log line: how the proxy took the new file ("none", "runtime-api", the reloader). */
    public String getReloadedBy() {
        return reloadedBy;
    }

    void setReloadedBy(String reloadedBy) {
        this.reloadedBy = reloadedBy;
    }

    /** What the reloader noted before the reload to judge it afterwards (nginx: its workers). */
    Object getBeforeReload() {
        return beforeReload;
    }

    void setBeforeReload(Object beforeReload, long startedNanos) {
        this.beforeReload = beforeReload;
        this.reloadStartedNanos = startedNanos;
    }

    long getReloadStartedNanos() {
        return reloadStartedNanos;
    }

    /** Read by the route's reload choice. */
    public ReloadVia getReloadVia() {
        return reloadVia;
    }

    void setReloadVia(ReloadVia reloadVia) {
        this.reloadVia = reloadVia;
    }

    /** What the swap changed, for the install's log line ("lines_added=1 lines_removed=1 changes=..."). */
    /** Registrations this run renders with weight 0 while they drain (HAProxy with the runtime API). */
    public DrainPlan getDrainPlan() {
        return drainPlan;
    }

    public void setDrainPlan(DrainPlan drainPlan) {
        this.drainPlan = drainPlan;
    }

    public String getChangeSummary() {
        return changeSummary;
    }

    void setChangeSummary(String changeSummary) {
        this.changeSummary = changeSummary;
    }

    @Override
    public String toString() {
        return "InstallRun[target=" + target + ", held=" + held + ", changed=" + changed + ", runtimeApplied=" + runtimeApplied + "]";
    }
}
