package dev.rill.internal.jinja;

import java.util.List;
import java.util.Map;

/** A macro defined by the template: calling it renders its body and returns the text. */
final class Macro implements Py.Callable {
    private final Interpreter interpreter;
    private final Node.Macro definition;

    Macro(Interpreter interpreter, Node.Macro definition) {
        this.interpreter = interpreter;
        this.definition = definition;
    }

    String name() {
        return definition.name();
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
        return interpreter.callMacro(definition, args, kwargs);
    }
}
