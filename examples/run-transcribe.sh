#!/usr/bin/env bash
# Builds the project and runs the transcription example (the recordings in examples/data/audio ->
# target/transcripts, Parquet) on local[*].
# Usage: examples/run-transcribe.sh [--model gemma-3n.gguf --audio-weights checkpoint-folder] [--input PATH]
#        (or GEMMA_MODEL=... GEMMA_AUDIO_WEIGHTS=...)
set -euo pipefail
cd "$(dirname "$0")/.."
source examples/job.sh
model="${GEMMA_MODEL:-}"
weights="${GEMMA_AUDIO_WEIGHTS:-}"
input="examples/data/audio/*.wav"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) model="$2" ;;
    --audio-weights) weights="$2" ;;
    --input) input="$2" ;;
    *) echo "usage: $0 [--model GGUF --audio-weights PATH] [--input PATH]" >&2; exit 2 ;;
  esac
  shift 2
done
build_examples
extra=()
if [[ -z "$model" ]]; then
  run_example RandomAudioModel engine/src/test/resources/golden/audio/small_sharp target/random-audio-model
  model=target/random-audio-model/tiny-audio.gguf
  weights=target/random-audio-model/audio/model.safetensors
  # Sampled with a fixed seed: on random weights greedy decoding repeats one token whatever the audio.
  extra=(-Dspark.gemma.maxTokens=12 -Dspark.gemma.temperature=1 -Dspark.gemma.seed=3)
  cat >&2 <<'NOTE'
##############################################################################################
#  NO MODEL GIVEN: using a tiny RANDOM-WEIGHT model and audio tower. Its transcripts are      #
#  NOISE. They only show the pipeline works. For real transcripts pass --model <Gemma 3n     #
#  GGUF with 262400 tokens> --audio-weights <the HF checkpoint folder> (see the README).      #
##############################################################################################
NOTE
fi
args=(--model "$model" --input "$input" --output target/transcripts)
if [[ -n "$weights" ]]; then args+=(--audio-weights "$weights"); fi
run_example "${extra[@]}" TranscribeRecordings "${args[@]}"
