/**
 * A Jinja interpreter with the semantics of Python's jinja2 in the environment Hugging Face's chat templates run
 * in (an immutable sandbox, trim and lstrip blocks, Python's value rules, tojson with Python's spacing). It renders
 * the chat templates stored in models; internal to Rill, its package is exported to core only.
 */
module dev.rill.jinja {
    exports dev.rill.internal.jinja to dev.rill.core;
}
