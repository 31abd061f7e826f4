package dev.rill.benches;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** GpuCheck's decisions on device lists and logs as llama.cpp reports them, without native code. */
class GpuCheckTest {
    private static final String CUDA_ORIGIN = "dev.rill:rill-native-linux-x64-cuda";
    private static final String CPU = "CPU: AMD EPYC 7B13 64-Core Processor (CPU)";
    private static final String CUDA = "CUDA0: NVIDIA H100 80GB HBM3 (GPU)";

    @Test
    void aCpuOnlyListIsRefusedNamingTheDevicesAndTheCudaLibraries() {
        Optional<String> refusal = GpuCheck.refusal(List.of(CPU), CUDA_ORIGIN);
        assertTrue(refusal.isPresent());
        String message = refusal.get();
        assertTrue(message.startsWith("no GPU backend was loaded: devices were [" + CPU + "]"), message);
        for (String library : List.of("libcuda.so.1", "libcudart.so.13", "libcublas.so.13")) {
            assertTrue(message.contains(library), message);
        }
        assertTrue(message.contains("Refusing to measure"), message);
    }

    @Test
    void noDevicesAtAllIsRefused() {
        // llama.cpp b4916 reports no devices: nothing says a GPU is there.
        assertTrue(GpuCheck.refusal(List.of(), CUDA_ORIGIN).orElseThrow().contains("devices were []"));
    }

    @Test
    void aNonGpuAcceleratorIsNotAGpu() {
        assertTrue(GpuCheck.refusal(List.of(CPU, "BLAS: Accelerate (accelerator)"), CUDA_ORIGIN).isPresent());
    }

    @Test
    void theCpuDistributionIsRefusedWithAHintToAddTheCudaJar() {
        String message = GpuCheck.refusal(List.of(CPU), "dev.rill:rill-native-linux-x64").orElseThrow();
        assertTrue(message.contains("not the CUDA distribution"), message);
        assertTrue(message.contains("rill-native-linux-x64-cuda on the class path"), message);
    }

    @Test
    void aCudaDeviceIsAccepted() {
        assertEquals(Optional.empty(), GpuCheck.refusal(List.of(CUDA, CPU), CUDA_ORIGIN));
        assertEquals(List.of(CUDA), GpuCheck.gpuDevices(List.of(CPU, CUDA)));
    }

    @Test
    void integratedGpusCountAndParenthesesInDescriptionsDoNotConfuseTheType() {
        String integrated = "CUDA0: Orin (nvgpu) (integrated GPU)";
        String cpuWithParentheses = "CPU: Intel(R) Xeon(R) (GPU-less) (CPU)";
        assertEquals(List.of(integrated), GpuCheck.gpuDevices(List.of(cpuWithParentheses, integrated)));
        assertEquals("CPU", GpuCheck.deviceType(cpuWithParentheses));
        assertEquals("", GpuCheck.deviceType("no type here"));
    }

    @Test
    void theOffloadLineIsReadFromTheLog() {
        List<String> log = List.of("[engine] DEBUG dev.rill.llama - load_tensors: loading model tensors",
                "[engine] DEBUG dev.rill.llama - load_tensors: offloaded 17/17 layers to GPU",
                "[engine] DEBUG dev.rill.llama - load_tensors:        CUDA0 model buffer size =   702.02 MiB");
        assertArrayEquals(new int[] {17, 17}, GpuCheck.offloadedLayers(log));
        assertArrayEquals(new int[] {0, 17}, GpuCheck.offloadedLayers(List.of("offloaded 0/17 layers to GPU")));
        assertNull(GpuCheck.offloadedLayers(List.of("nothing about layers")));
    }

    @Test
    void mediansAndTheRatioRow() {
        assertEquals(2.0, GpuCheck.median(new double[] {3, 1, 2}));
        assertEquals(2.5, GpuCheck.median(new double[] {4, 1, 2, 3}));
        List<String> table = GpuCheck.table("GPU CUDA0, all layers", new GpuCheck.Figures(1, 2, 5000, 400, 128),
                "CPU zen4, 16 threads", new GpuCheck.Figures(1, 2, 250, 40, 128));
        assertEquals(4, table.size());
        assertTrue(table.get(3).startsWith("GPU / CPU"), table.get(3));
        assertTrue(table.get(3).contains("20.0x") && table.get(3).contains("10.0x"), table.get(3));
        assertEquals(2, GpuCheck.table("GPU", new GpuCheck.Figures(1, 2, 3, 4, 5), null, null).size());
    }

    @Test
    void theCommandLine() {
        GpuCheck.Options defaults = GpuCheck.parse(new String[0]);
        assertEquals("1b", defaults.size());
        assertEquals(128, defaults.promptTokens());
        assertEquals(128, defaults.tokens());
        assertTrue(defaults.cpuComparison());
        assertTrue(defaults.threads() >= 1);
        GpuCheck.Options quick = GpuCheck.parse(new String[] {"--size", "small", "--no-cpu", "--model", "m.gguf",
                "--repeats", "1", "--threads", "4"});
        assertEquals("small", quick.size());
        assertFalse(quick.cpuComparison());
        assertEquals(Path.of("m.gguf"), quick.model());
        assertEquals(4, quick.threads());
        assertThrows(IllegalArgumentException.class, () -> GpuCheck.parse(new String[] {"--size", "7b"}));
        assertThrows(IllegalArgumentException.class, () -> GpuCheck.parse(new String[] {"--tokens", "0"}));
        assertThrows(IllegalArgumentException.class, () -> GpuCheck.parse(new String[] {"--prompt"}));
        assertThrows(IllegalArgumentException.class, () -> GpuCheck.parse(new String[] {"--measure", "cpu"}));
        assertThrows(IllegalArgumentException.class, () -> GpuCheck.parse(new String[] {"--gpu"}));
    }
}
