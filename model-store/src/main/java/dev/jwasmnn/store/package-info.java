/**
 * The model repository: versions on disk, configuration, load/reload/unload lifecycle with
 * reference counting. Built in the Model store issue; it implements
 * {@link dev.jwasmnn.nn.registry.GraphResolver} so guests see the current version by name.
 */
package dev.jwasmnn.store;
