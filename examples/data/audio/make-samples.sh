#!/usr/bin/env bash
# Writes the sample recordings of this folder: one sentence each, spoken by espeak-ng and converted by sox to
# 16 kHz mono 16-bit WAV, the silence at both ends cut, without dither (so every run writes the same bytes).
#   apt-get install -y espeak-ng sox && examples/data/audio/make-samples.sh
set -euo pipefail
cd "$(dirname "$0")"
say() { # file voice sentence
  espeak-ng -v "$2" -s 180 -w "$1.22k.wav" "$3"
  sox -V1 -D "$1.22k.wav" -r 16000 -c 1 -b 16 "$1.wav" silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse
  rm "$1.22k.wav"
}
say order-status  en-us    "Hello, I would like to check the status of my order."
say meeting       en-gb    "The meeting has been moved to Thursday at ten."
say weather       en-us+f3 "Tomorrow will be sunny with a light wind."
say invoice       en-gb+m3 "Please send the invoice to our billing address."
