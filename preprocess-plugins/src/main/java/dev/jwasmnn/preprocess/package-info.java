/**
 * OpenCV pre- and post-processing (decode, resize, normalise, top-k, NMS), from model
 * configuration and as the {@code jwasm_cv} host module. Built in the OpenCV plugins issue.
 */
package dev.jwasmnn.preprocess;
