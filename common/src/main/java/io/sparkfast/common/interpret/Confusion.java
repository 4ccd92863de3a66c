package io.sparkfast.common.interpret;

/**
 * A confused class pair: how many validation items of class {@code actual} were predicted as
 * {@code predicted}.
 */
public record Confusion(String actual, String predicted, long count) {}
