package dev.jwasmnn.nn.backend.pytorch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unpacking libtorch ourselves, with the real pytorch-native jar on the test class path: what it
 * writes, that a complete unpack is reused, how {@code pytorch.library_dir} is resolved, and the
 * driver-less view of a CUDA build.
 */
class LibTorchNativesTest {

    @Test
    void theBundledBuildIsDescribedByItsJar() throws IOException {
        LibTorchNatives.Build build = LibTorchNatives.bundled().orElseThrow();
        Properties jar = new Properties();
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(LibTorchNatives.BUNDLE_PROPERTIES)) {
            jar.load(in);
        }
        assertThat(build.version()).isEqualTo(jar.getProperty("version"));
        assertThat(build.flavor()).isEqualTo(jar.getProperty("flavor"));
        assertThat(build.libraries()).contains("libtorch.so").hasSize(jar.getProperty("libraries").split(",").length);
        assertThat(build.directoryName()).isEqualTo(build.version() + "-" + build.flavor() + "-" + build.classifier());
    }

    @Test
    void unpacksEveryLibraryOnceAndReusesACompleteUnpack(@TempDir Path root) throws IOException {
        LibTorchNatives.Build build = LibTorchNatives.bundled().orElseThrow();
        Path dir = LibTorchNatives.unpack(build, root);

        assertThat(dir).isEqualTo(root.resolve(build.directoryName()));
        for (String library : build.libraries()) {
            assertThat(dir.resolve(library)).isRegularFile();
            assertThat(Files.size(dir.resolve(library))).as(library).isPositive();
        }
        assertThat(LibTorchNatives.unpacked(dir)).contains(build);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                .as("readable by the user a container serves as, not only by the one that unpacked").isEqualTo("rwxr-xr-x");
        try (var left = Files.list(root)) {
            assertThat(left.toList()).as("no temporary directory left behind").containsExactly(dir);
        }

        Path torch = dir.resolve("libtorch.so");
        FileTime before = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(torch, before);
        assertThat(LibTorchNatives.unpack(build, root)).isEqualTo(dir);
        assertThat(Files.getLastModifiedTime(torch)).as("a complete unpack is not written again").isEqualTo(before);

        assertThat(LibTorchNatives.locate(dir)).as("the unpack itself").isEqualTo(dir);
        assertThat(LibTorchNatives.locate(root)).as("the directory holding it").isEqualTo(dir);
    }

    @Test
    void anIncompleteOrMissingUnpackIsRefusedWithTheFix(@TempDir Path root) throws IOException {
        Path half = Files.createDirectories(root.resolve("2.0.0-cpu-linux-x86_64"));
        Files.writeString(half.resolve("libtorch.so"), "not all of it");
        assertThat(LibTorchNatives.unpacked(half)).as("no marker: the unpack never finished").isEmpty();
        assertThatThrownBy(() -> LibTorchNatives.locate(root))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("holds no unpacked libtorch")
                .hasMessageContaining(LibTorchNatives.class.getName());
        assertThatThrownBy(() -> LibTorchNatives.locate(root.resolve("absent")))
                .hasMessageContaining("holds no unpacked libtorch");
    }

    @Test
    void aCudaBuildWithoutTheDriverLoadsFromLinksThatLeaveOutTheDriverBoundLibrary(@TempDir Path root) throws IOException {
        LibTorchNatives.Build cuda = new LibTorchNatives.Build("2.5.1", "cu124", "linux-x86_64",
                List.of("libtorch.so", "libtorch_cuda.so", "libcaffe2_nvrtc.so"));
        Path dir = Files.createDirectories(root.resolve("ro").resolve(cuda.directoryName()));
        for (String library : cuda.libraries()) {
            Files.writeString(dir.resolve(library), library);
        }
        Files.writeString(dir.resolve(LibTorchNatives.UNPACKED_PROPERTIES), "");
        Path scratch = root.resolve("cache");
        // With the driver there is nothing to leave out; this is the path of a machine without one.
        assumeFalse(LibTorchNatives.driverPresent(), "the NVIDIA driver is present");

        Path loadable = LibTorchNatives.loadable(dir, cuda, scratch);

        assertThat(loadable).isEqualTo(scratch.resolve(cuda.directoryName() + "-without-driver"));
        try (var files = Files.list(loadable)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList())
                    .containsExactlyInAnyOrder("libtorch.so", "libtorch_cuda.so");
        }
        Path link = Files.readSymbolicLink(loadable.resolve("libtorch.so"));
        assertThat(link.isAbsolute()).as("relative, so it survives a copy into an image").isFalse();
        assertThat(Files.readString(loadable.resolve("libtorch.so"))).isEqualTo("libtorch.so");
        assertThat(LibTorchNatives.unpacked(loadable)).as("not an unpack of its own").isEmpty();
        assertThat(LibTorchNatives.loadable(dir, cuda, scratch)).as("made once, then reused").isEqualTo(loadable);

        LibTorchNatives.Build cpu = new LibTorchNatives.Build("2.5.1", "cpu", "linux-x86_64", List.of("libtorch.so"));
        assertThat(LibTorchNatives.loadable(dir, cpu, scratch)).as("a CPU build loads as it is").isEqualTo(dir);
    }
}
