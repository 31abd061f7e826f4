package dev.rill.adapters;

import dev.rill.RillException;

/** An adapter manifest that cannot be used; the message names the file and the offending entry. */
public final class ManifestException extends RillException {
    private static final long serialVersionUID = 1L;

    ManifestException(String message) {
        super(message);
    }

    ManifestException(String message, Throwable cause) {
        super(message, cause);
    }
}
