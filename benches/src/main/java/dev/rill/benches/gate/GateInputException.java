package dev.rill.benches.gate;

/** Input the gate cannot read: a results or limits file that is not what it should be, or bad arguments. */
public final class GateInputException extends Exception {
    private static final long serialVersionUID = 1L;

    public GateInputException(String message) {
        super(message);
    }

    public GateInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
