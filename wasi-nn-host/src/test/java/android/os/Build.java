package android.os;

/**
 * Test sentinel with the name Chicory's WASI builder probes for: {@code Class.forName}
 * initialises it, so the property below says whether a build probed. The builder probes only
 * when given no logger, and on a real server the failed lookup searches the whole class path on
 * every guest run (GuestRunnerTest checks that ours never probe).
 */
public final class Build {
    public static final String PROBED = "jwasmnn.test.android-probe";

    static {
        System.setProperty(PROBED, "true");
    }

    private Build() {}
}
