package dev.jwasmnn.preprocess.guest;

/** Per-run grant for {@code jwasm_cv}, attached to a guest invocation (the model's {@code guest.allow_cv}). */
public record CvGrant(boolean allowed) {}
