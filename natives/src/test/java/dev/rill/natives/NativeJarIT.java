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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract on the built jar (run by natives/pom.xml after the package phase): only the platform folder and
 * META-INF, the listed files with their hashes, the module name; then extracted to a temporary folder and loaded
 * from there, as the loader does.
 */
class NativeJarIT {

    private final NativeContract contract = new NativeContract();
    private final Path jarPath = Path.of(System.getProperty("rill.native.jar", "(rill.native.jar not set)"));

    @Test
    void theJarHoldsTheContractAndLoadsOnceExtracted(@TempDir Path extracted) throws Throwable {
        assertTrue(Files.isRegularFile(jarPath), "the module's jar exists: " + jarPath);
        String folder = contract.folder();
        Properties properties;
        List<String> files;
        try (JarFile jar = new JarFile(jarPath.toFile())) {
            assertEquals(contract.moduleName,
                    jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"), "Automatic-Module-Name");
            JarEntry propertiesEntry = jar.getJarEntry(folder + NativeContract.PROPERTIES);
            assertNotNull(propertiesEntry, folder + NativeContract.PROPERTIES + " in " + jarPath);
            try (InputStream in = jar.getInputStream(propertiesEntry)) {
                properties = NativeContract.load(in);
            }
            files = contract.checkProperties(properties);

            Set<String> inFolder = new TreeSet<>();
            for (JarEntry entry : Collections.list(jar.entries())) {
                if (entry.isDirectory() || entry.getName().startsWith("META-INF/")) {
                    continue;
                }
                assertTrue(entry.getName().startsWith(folder), "nothing outside " + folder + ": " + entry.getName());
                String name = entry.getName().substring(folder.length());
                assertTrue(!name.contains("/"), "no sub-folder: " + entry.getName());
                inFolder.add(name);
            }
            Set<String> expected = new TreeSet<>(files);
            expected.add(NativeContract.PROPERTIES);
            assertEquals(expected, inFolder, "the jar's " + folder);

            Files.createDirectories(extracted);
            for (String file : files) {
                JarEntry entry = jar.getJarEntry(folder + file);
                try (InputStream in = jar.getInputStream(entry)) {
                    Files.copy(in, extracted.resolve(file));
                }
                try (InputStream in = Files.newInputStream(extracted.resolve(file))) {
                    assertEquals(properties.getProperty("sha256." + file), NativeContract.sha256(in),
                            file + " extracted from the jar");
                }
            }
        }

        // As a module (on a module path) it is an automatic module of that name, and its folder is no package
        // (the dashed platform name and the keyword "native" are not legal in package names), so nothing in it is
        // encapsulated: the loader, in another module, reads it with ClassLoader.getResource.
        Set<ModuleReference> modules = ModuleFinder.of(jarPath).findAll();
        assertEquals(1, modules.size());
        ModuleDescriptor descriptor = modules.iterator().next().descriptor();
        assertEquals(contract.moduleName, descriptor.name());
        assertTrue(descriptor.isAutomatic());
        assertEquals(Set.of(), descriptor.packages(), "the jar has no package");

        assumeTrue(NativeContract.loadableHere(properties),
                "built for " + properties.getProperty("os") + " " + properties.getProperty("arch") + ", not this machine");
        List<String> devices = NativeContract.loadAndListDevices(extracted, properties);
        System.out.println(contract.platform + ": ggml devices after loading from the extracted jar: " + devices);
        assertTrue(devices.stream().anyMatch(name -> name.toUpperCase().startsWith("CPU")), devices.toString());
    }
}
