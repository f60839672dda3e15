#!/usr/bin/env bash
# Builds the project and runs the summarize example (examples/data/docs.jsonl -> target/summaries, Parquet)
# on local[*].  Usage: examples/run-summarize.sh [--model path/to/gemma-3n.gguf]   (or GEMMA_MODEL=...)
set -euo pipefail
cd "$(dirname "$0")/.."
source examples/job.sh
model="${GEMMA_MODEL:-}"
if [[ "${1:-}" == "--model" ]]; then model="$2"; fi
extra=()
if [[ -z "$model" ]]; then
  model="engine/src/test/resources/golden/models/gemma3n-tiny6q-tinyvocab-Q4_0.gguf"
  extra=(-Dspark.gemma.maxTokens=24)
  cat >&2 <<'NOTE'
##############################################################################################
#  NO MODEL GIVEN: using a tiny RANDOM-WEIGHT test model. Its "summaries" are NOISE.         #
#  They only show the pipeline works. For real text pass --model <gemma-3n GGUF> or set      #
#  GEMMA_MODEL (see the README for the download).                                            #
##############################################################################################
NOTE
fi
build_examples
run_example "${extra[@]}" SummarizeDocuments --model "$model" --output target/summaries
