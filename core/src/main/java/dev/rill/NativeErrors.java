package dev.rill;

import dev.rill.internal.llama.LlamaCallException;
import dev.rill.internal.llama.LlamaFileException;
import dev.rill.internal.llama.LlamaLibraryException;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Turns the native layer's failures into Rill's public exceptions at the API's edge: the binding knows nothing
 * of {@link RillException} and its kinds, and users never see the binding's own types.
 */
final class NativeErrors {
    private NativeErrors() {
    }

    /** Runs a step of loading the model at {@code path}. */
    static <T> T loadingModel(Path path, Supplier<T> step) {
        try {
            return step.get();
        } catch (LlamaFileException e) {
            throw new ModelLoadException(path, e.getMessage());
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    /** Runs a step of loading or checking a LoRA adapter. */
    static <T> T loadingAdapter(Supplier<T> step) {
        try {
            return step.get();
        } catch (LlamaFileException e) {
            throw new AdapterLoadException(e.path(), e.getMessage());
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    /** Runs any other call into the native layer. */
    static <T> T calling(Supplier<T> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    /** The public form of a native-layer failure; other exceptions (argument and state checks) pass unchanged. */
    static RuntimeException translate(RuntimeException e) {
        return switch (e) {
            case LlamaLibraryException library -> new NativeLibraryException(library.getMessage(), library);
            case LlamaCallException call -> new RillException(call.getMessage(), call);
            case LlamaFileException file -> new RillException(file.getMessage(), file);
            default -> e;
        };
    }
}
