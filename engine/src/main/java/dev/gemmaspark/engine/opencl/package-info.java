/**
 * The Gemma 3n text decoder on OpenCL devices (NVIDIA, AMD and Intel GPUs; PoCL on the CPU for tests): bindings of
 * the OpenCL ICD loader through {@code java.lang.foreign} ({@link dev.gemmaspark.engine.opencl.OpenCL}), and the
 * forward pass over them ({@link dev.gemmaspark.engine.opencl.OpenClForwardPass}) with its weights and KV caches
 * in device memory. The kernels are OpenCL C in the jar ({@code gemma3n.cl}), built when a model loads.
 */
package dev.gemmaspark.engine.opencl;
