package dev.rill.internal.llama;

import dev.rill.internal.gguf.GgmlTypes;
import dev.rill.internal.gguf.GgufHeader;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks a LoRA adapter's GGUF header against its base model's before llama.cpp sees it, so that an adapter for
 * another model fails with an exception that names the adapter and the precise reason.
 */
final class AdapterCheck {
    private AdapterCheck() {
    }

    /** Reads and checks the adapter at {@code path} against {@code model}; returns its header. */
    static GgufHeader check(GgufHeader model, java.nio.file.Path path) {
        if (!java.nio.file.Files.isRegularFile(path)) {
            throw new LlamaFileException(path, "Adapter file " + path + (java.nio.file.Files.exists(path)
                    ? " is not a regular file" : " does not exist"));
        }
        GgufHeader header;
        try {
            header = GgufHeader.read(path);
            header.checkComplete();
        } catch (GgufHeader.FormatException e) {
            throw new LlamaFileException(path, "Adapter file " + path + " is not a valid GGUF file: " + e.getMessage());
        } catch (java.io.IOException e) {
            throw new LlamaFileException(path, "Adapter file " + path + " cannot be read: " + e.getMessage());
        }
        against(model, header);
        return header;
    }

    static void against(GgufHeader model, GgufHeader adapter) {
        String name = adapter.path().toString();
        // llama.cpp reads these keys with gguf_get_val_str / gguf_get_val_f32, which abort the process (GGML_ASSERT)
        // when a key holds another type.
        for (String key : new String[] {"general.type", "adapter.type", "general.architecture"}) {
            Integer type = adapter.metadataTypes().get(key);
            if (type != null && type != GgufHeader.STRING) {
                throw new LlamaFileException(adapter.path(), "Adapter file " + name + " stores " + key
                        + " as GGUF value type " + type + ", not as a string");
            }
        }
        Integer alphaType = adapter.metadataTypes().get("adapter.lora.alpha");
        if (alphaType != null && alphaType != GgufHeader.FLOAT32) {
            throw new LlamaFileException(adapter.path(), "Adapter file " + name + " stores adapter.lora.alpha as GGUF "
                    + "value type " + alphaType + ", not as a 32-bit float");
        }
        String type = adapter.string("general.type").orElse("(missing)");
        if (!type.equals("adapter")) {
            throw new LlamaFileException(adapter.path(), "Adapter file " + name + " is not an adapter: its general.type is "
                    + type);
        }
        String kind = adapter.string("adapter.type").orElse("(missing)");
        if (!kind.equals("lora")) {
            throw new LlamaFileException(adapter.path(), "Adapter file " + name + " is not a LoRA adapter: its adapter.type is "
                    + kind);
        }
        String baseArchitecture = model.string("general.architecture").orElse("(missing)");
        String architecture = adapter.string("general.architecture").orElse("(missing)");
        if (!architecture.equals(baseArchitecture)) {
            throw new LlamaFileException(adapter.path(), "Adapter " + name + " is for the " + architecture
                    + " architecture, but the model " + model.path().getFileName() + " is " + baseArchitecture);
        }
        Map<String, GgufHeader.TensorInfo[]> pairs = new TreeMap<>();
        for (GgufHeader.TensorInfo tensor : adapter.tensors()) {
            String tensorName = tensor.name();
            int which;
            if (tensorName.endsWith(".lora_a")) {
                which = 0;
            } else if (tensorName.endsWith(".lora_b")) {
                which = 1;
            } else {
                continue; // llama.cpp ignores other tensors (norms some tools include)
            }
            if (!GgmlTypes.multipliable(tensor.type())) {
                // ggml loads such a tensor and then crashes in the first matrix product.
                throw new LlamaFileException(adapter.path(), "Adapter " + name + ": tensor " + tensorName + " has type "
                        + GgmlTypes.name(tensor.type()) + ", which a LoRA matrix cannot have (use F32, F16, BF16 or a "
                        + "quantized type)");
            }
            String base = tensorName.substring(0, tensorName.length() - ".lora_a".length());
            pairs.computeIfAbsent(base, k -> new GgufHeader.TensorInfo[2])[which] = tensor;
        }
        if (pairs.isEmpty()) {
            throw new LlamaFileException(adapter.path(), "Adapter " + name + " holds no LoRA tensors (*.lora_a, *.lora_b)");
        }
        for (var entry : pairs.entrySet()) {
            String base = entry.getKey();
            GgufHeader.TensorInfo a = entry.getValue()[0];
            GgufHeader.TensorInfo b = entry.getValue()[1];
            if (a == null || b == null) {
                throw new LlamaFileException(adapter.path(), "Adapter " + name + " has only one of " + base
                        + ".lora_a and " + base + ".lora_b");
            }
            GgufHeader.TensorInfo weight = model.tensor(base).orElseThrow(() -> new LlamaFileException(adapter.path(),
                    "Adapter " + name + " changes the tensor " + base + ", which the model "
                            + model.path().getFileName() + " does not have (an adapter for another base model?)"));
            long[] w = weight.dims();
            long[] da = a.dims();
            long[] db = b.dims();
            boolean fits = da.length == 2 && db.length == 2 && w.length == 2
                    && (base.equals("token_embd.weight")
                            ? w[0] == db[1] && w[1] == da[1] && da[0] == db[0]
                            : da[0] == w[0] && db[1] == w[1] && da[1] == db[0]);
            if (!fits) {
                throw new LlamaFileException(adapter.path(), "Adapter " + name + " does not fit the model "
                        + model.path().getFileName() + ": " + base + " is " + Arrays.toString(w) + " but the adapter's A is "
                        + Arrays.toString(da) + " and B is " + Arrays.toString(db) + " (an adapter for another base model?)");
            }
        }
    }
}
