package dev.jwasmnn.store.config;

import java.util.regex.Pattern;

/**
 * Which model names are allowed. Names become folder names and URL segments, so they are kept
 * to a set that cannot escape the repository or need escaping anywhere.
 */
public final class ModelNames {
    /** The rule, for messages and docs. */
    public static final String RULE =
            "1 to 64 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit, no '..'";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private ModelNames() {}

    public static boolean isValid(String name) {
        return name != null && NAME.matcher(name).matches() && !name.contains("..");
    }

    /** @throws IllegalArgumentException naming the rule */
    public static String check(String name) {
        if (!isValid(name)) {
            throw new IllegalArgumentException("invalid model name '" + name + "': " + RULE);
        }
        return name;
    }
}
