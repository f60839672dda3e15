#!/usr/bin/env bash
# Builds the project and runs GenerateBenchmark: gemma_generate_result over Spark on local[2] against the engine's
# own batch API (GemmaModel.generateAll) on the same context, in one JVM, alternately.
# Usage: examples/run-generate-benchmark.sh [-Dspark.gemma.<option>=<value>]... --model M.gguf [--rows 64]
#        [--prompt-tokens 128] [--max-tokens 32] [--rounds 2] [--master local[2]]
set -euo pipefail
cd "$(dirname "$0")/.."
source examples/job.sh
props=()
while [[ "${1:-}" == -D* ]]; do props+=("$1"); shift; done
build_examples
run_example "${props[@]}" GenerateBenchmark "$@"
