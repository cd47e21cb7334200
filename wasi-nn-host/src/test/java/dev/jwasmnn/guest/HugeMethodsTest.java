package dev.jwasmnn.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The build's JVM flags (pom.xml's jwasmnn.jvm.flags) let HotSpot compile huge guest methods. */
class HugeMethodsTest {
    @Test
    void testJvmsCompileHugeMethodsAsTheServerDoes() {
        assertThat(ManagementFactory.getRuntimeMXBean().getInputArguments()).contains("-XX:-DontCompileHugeMethods");
        assertThat(HugeMethods.compiled()).isTrue();
    }
}
