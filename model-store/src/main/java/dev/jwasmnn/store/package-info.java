/**
 * The model repository and its lifecycle: {@link dev.jwasmnn.store.ModelRepository} reads
 * {@code <repo>/<model>/<version>/} folders and {@code config.yaml}
 * ({@link dev.jwasmnn.store.config}), {@link dev.jwasmnn.store.ModelStore} loads versions, hands
 * out reference-counted {@link dev.jwasmnn.store.ModelLease}s and swaps versions atomically.
 */
package dev.jwasmnn.store;
