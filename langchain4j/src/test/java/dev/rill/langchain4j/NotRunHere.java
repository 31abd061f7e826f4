package dev.rill.langchain4j;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Map;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips, with their reason, the inherited test methods that a test class lists in a static
 * {@code Map<String, String> NOT_RUN} (method name to reason): the cases of LangChain4j's suites that a rigged
 * model cannot pass because they need a real instruct model's knowledge. Each such class tests the behaviour
 * those cases check on rigged models instead.
 */
final class NotRunHere implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (context.getTestMethod().isEmpty()) {
            return ConditionEvaluationResult.enabled("a class");
        }
        String reason = reasons(context.getRequiredTestClass()).get(context.getRequiredTestMethod().getName());
        return reason == null ? ConditionEvaluationResult.enabled("runs on the rigged model")
                : ConditionEvaluationResult.disabled(reason);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> reasons(Class<?> testClass) {
        try {
            Field field = testClass.getDeclaredField("NOT_RUN");
            if (!Modifier.isStatic(field.getModifiers())) {
                throw new IllegalStateException(testClass + ".NOT_RUN must be static");
            }
            field.setAccessible(true);
            return (Map<String, String>) field.get(null);
        } catch (NoSuchFieldException e) {
            return Map.of();
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}
