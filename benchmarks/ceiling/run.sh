#!/bin/sh
# The physical ceiling of this machine's CPU for the matrix kernels (docs/benchmarks.md, "The CPU's ceiling"):
# builds ceiling.c for this CPU with gcc and runs it. Needs gcc; takes about a minute.
set -e
dir=$(cd "$(dirname "$0")" && pwd)
out="${TMPDIR:-/tmp}/gemma-spark-ceiling"
gcc -O2 -march=native -pthread -o "$out" "$dir/ceiling.c"
exec "$out"
