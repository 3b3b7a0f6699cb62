package io.lbsync.karaf;

import java.util.Dictionary;
import java.util.Hashtable;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ManagedService;

/**
 * lbsync as a Karaf bundle: listens to the ConfigAdmin PID {@code lbsync} (Karaf's {@code etc/lbsync.cfg}) and runs
 * one {@link KarafRunner} with that configuration; a changed configuration restarts it, stopping the bundle stops it.
 */
public final class LbsyncActivator implements BundleActivator {
    public static final String PID = "lbsync";

    private KarafRunner runner;
    private ServiceRegistration<ManagedService> registration;

    @Override
    public void start(BundleContext context) {
        runner = new KarafRunner(LbsyncActivator.class.getClassLoader());
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Constants.SERVICE_PID, PID);
        // ConfigAdmin calls updated() on its own thread: once now (null when etc/lbsync.cfg is missing), then per change
        registration = context.registerService(ManagedService.class, runner::configure, props);
    }

    @Override
    public void stop(BundleContext context) {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework unregisters a stopping bundle's services itself
            }
            registration = null;
        }
        if (runner != null) {
            runner.close();
            runner = null;
        }
    }
}
