package dev.rill.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract on the built jar (run by natives/pom.xml after the package phase): only the platform folder and
 * META-INF, the listed files with their hashes, the module name; then the libraries extracted to a temporary folder
 * and loaded from there, as the loader does.
 */
class NativeJarIT {

    private static final NativeContract contract = new NativeContract();
    private static final Path jarPath = Path.of(System.getProperty("rill.native.jar", "(rill.native.jar not set)"));

    @TempDir
    static Path extracted;
    private static Properties properties;
    private static List<String> files;

    @BeforeAll
    static void readTheJarAndExtractTheLibraries() throws Exception {
        assertTrue(Files.isRegularFile(jarPath), "the module's jar exists: " + jarPath);
        try (JarFile jar = new JarFile(jarPath.toFile())) {
            JarEntry entry = jar.getJarEntry(contract.folder() + NativeContract.PROPERTIES);
            assertNotNull(entry, contract.folder() + NativeContract.PROPERTIES + " in " + jarPath);
            try (InputStream in = jar.getInputStream(entry)) {
                properties = NativeContract.load(in);
            }
            files = contract.checkProperties(properties);
            for (String file : files) {
                JarEntry library = jar.getJarEntry(contract.folder() + file);
                assertNotNull(library, file + " listed in " + NativeContract.PROPERTIES + " is in the jar");
                try (InputStream in = jar.getInputStream(library)) {
                    Files.copy(in, extracted.resolve(file));
                }
            }
        }
    }

    @Test
    void theJarHoldsThePlatformFolderAndMetaInfOnly() throws Exception {
        Set<String> inFolder = new TreeSet<>();
        try (JarFile jar = new JarFile(jarPath.toFile())) {
            for (JarEntry entry : Collections.list(jar.entries())) {
                if (entry.isDirectory() || entry.getName().startsWith("META-INF/")) {
                    continue;
                }
                assertTrue(entry.getName().startsWith(contract.folder()),
                        "nothing outside " + contract.folder() + ": " + entry.getName());
                String name = entry.getName().substring(contract.folder().length());
                assertTrue(!name.contains("/"), "no sub-folder: " + entry.getName());
                inFolder.add(name);
            }
        }
        Set<String> expected = new TreeSet<>(files);
        expected.add(NativeContract.PROPERTIES);
        assertEquals(expected, inFolder, "the jar's " + contract.folder());
    }

    @Test
    void everyExtractedFileHasItsListedSha256() throws Exception {
        for (String file : files) {
            try (InputStream in = Files.newInputStream(extracted.resolve(file))) {
                assertEquals(properties.getProperty("sha256." + file), NativeContract.sha256(in),
                        file + " extracted from the jar");
            }
        }
    }

    @Test
    void theJarIsAnAutomaticModuleWithNoPackage() throws Exception {
        try (JarFile jar = new JarFile(jarPath.toFile())) {
            assertEquals(contract.moduleName,
                    jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"), "Automatic-Module-Name");
        }
        // On a module path it is an automatic module of that name, and its folder is no package (the dashed platform
        // name and the keyword "native" are not legal in package names), so nothing in it is encapsulated: the
        // loader, in another module, reads it with ClassLoader.getResource.
        Set<ModuleReference> modules = ModuleFinder.of(jarPath).findAll();
        assertEquals(1, modules.size());
        ModuleDescriptor descriptor = modules.iterator().next().descriptor();
        assertEquals(contract.moduleName, descriptor.name());
        assertTrue(descriptor.isAutomatic());
        assertEquals(Set.of(), descriptor.packages(), "the jar has no package");
    }

    @Test
    void theExtractedLibraryLoadsAndRegistersTheCpuBackend() throws Throwable {
        assumeTrue(NativeContract.loadableHere(properties),
                "built for " + properties.getProperty("os") + " " + properties.getProperty("arch") + ", not this machine");
        List<String> devices = NativeContract.loadAndListDevices(extracted, properties);
        System.out.println(contract.platform + ": ggml devices after loading from the extracted jar: " + devices);
        assertTrue(devices.stream().anyMatch(name -> name.toUpperCase().startsWith("CPU")), devices.toString());
    }
}
