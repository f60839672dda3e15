#!/usr/bin/env bash
# Builds the project and runs the caption example (the images in examples/data/images -> target/captions,
# Parquet) on local[*].
# Usage: examples/run-caption.sh [--model gemma-3n.gguf --mmproj mmproj.gguf] [--input PATH]
#        (or GEMMA_MODEL=... GEMMA_MMPROJ=...)
set -euo pipefail
cd "$(dirname "$0")/.."
source examples/job.sh
model="${GEMMA_MODEL:-}"
mmproj="${GEMMA_MMPROJ:-}"
input="examples/data/images/*.png"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) model="$2" ;;
    --mmproj) mmproj="$2" ;;
    --input) input="$2" ;;
    *) echo "usage: $0 [--model GGUF --mmproj GGUF] [--input PATH]" >&2; exit 2 ;;
  esac
  shift 2
done
build_examples
extra=()
if [[ -z "$model" ]]; then
  run_example GoldenVisionModel engine/src/test/resources/golden target/golden-vision-model
  model=target/golden-vision-model/tiny-image.gguf
  mmproj=target/golden-vision-model/mmproj.gguf
  extra=(-Dspark.gemma.maxTokens=12)
  cat >&2 <<'NOTE'
##############################################################################################
#  NO MODEL GIVEN: using the tiny RANDOM-WEIGHT golden test model and vision projector. Its   #
#  captions are NOISE. They only show the pipeline works. For real captions pass --model     #
#  <Gemma 3n GGUF> --mmproj <its mmproj GGUF> (see the README).                               #
##############################################################################################
NOTE
fi
args=(--model "$model" --input "$input" --output target/captions)
if [[ -n "$mmproj" ]]; then args+=(--mmproj "$mmproj"); fi
run_example "${extra[@]}" CaptionImages "${args[@]}"
