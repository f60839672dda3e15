// Does not compile: OpenClBindingsTest checks that the build error names the call and carries the compiler's log.
kernel void broken(global float* x) {
    x[0] = not_declared;
}
