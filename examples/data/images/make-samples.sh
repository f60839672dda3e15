#!/usr/bin/env bash
# Writes the sample images of this folder: small 8-bit RGB PNGs drawn by MakeSamples.java with the JDK's ImageIO
# (no antialiasing, no randomness, so every run writes the same pixels).
#   examples/data/images/make-samples.sh        (JDK 25: JAVA_HOME, else java on the PATH)
set -euo pipefail
cd "$(dirname "$0")"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
"$java" MakeSamples.java .
