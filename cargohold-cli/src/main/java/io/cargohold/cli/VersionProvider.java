package io.cargohold.cli;

import io.cargohold.Version;
import picocli.CommandLine.IVersionProvider;

/** {@code cargohold --version}: the build's version and commit, and the JVM it runs on. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"cargohold " + Version.current().describe(),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
