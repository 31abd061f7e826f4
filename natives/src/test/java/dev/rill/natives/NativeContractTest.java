package dev.rill.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract on the module's classes, found on the test class path as the loader will find them in the jar. */
class NativeContractTest {

    private static final NativeContract contract = new NativeContract();
    private static Path folder;
    private static Properties properties;
    private static List<String> files;

    @BeforeAll
    static void readProperties() throws Exception {
        URL url = NativeContractTest.class.getClassLoader()
                .getResource(contract.folder() + NativeContract.PROPERTIES);
        assertNotNull(url, contract.folder() + NativeContract.PROPERTIES + " is on the class path");
        assertEquals("file", url.getProtocol(), "tests run on target/classes");
        folder = Path.of(url.toURI()).getParent();
        try (InputStream in = url.openStream()) {
            properties = NativeContract.load(in);
        }
        files = contract.checkProperties(properties);
    }

    @Test
    void theFolderHoldsExactlyTheListedFilesAndTheProperties() throws Exception {
        Set<String> present;
        try (Stream<Path> list = Files.list(folder)) {
            present = list.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> expected = new TreeSet<>(files);
        expected.add(NativeContract.PROPERTIES);
        assertEquals(expected, present);
    }

    @Test
    void everyFileHasItsListedSha256() throws Exception {
        for (String file : files) {
            try (InputStream in = Files.newInputStream(folder.resolve(file))) {
                assertEquals(properties.getProperty("sha256." + file), NativeContract.sha256(in), file);
            }
        }
    }

    @Test
    void everyFileIsASharedLibraryForThePropertiesOsAndArch() throws Exception {
        for (String file : files) {
            try (InputStream in = Files.newInputStream(folder.resolve(file))) {
                NativeContract.checkBinaryHeader(file, NativeContract.head(in), properties);
            }
        }
    }

    @Test
    void theLibraryLoadsAndRegistersTheCpuBackend() throws Throwable {
        assumeTrue(NativeContract.loadableHere(properties),
                "built for " + properties.getProperty("os") + " " + properties.getProperty("arch") + ", not this machine");
        List<String> devices = NativeContract.loadAndListDevices(folder, properties);
        System.out.println(contract.platform + ": ggml devices after loading from " + folder + ": " + devices);
        assertTrue(devices.stream().anyMatch(name -> name.toUpperCase().startsWith("CPU")),
                "a ggml-cpu variant loaded on this machine: " + devices);
    }
}
