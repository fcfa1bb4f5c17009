#!/bin/sh
# Writes greeting-default.wav, the voicemail greeting used when none is configured: espeak-ng's
# voice (GPL tool; its output carries no rights of ours or theirs), 16 kHz mono 16-bit.
# Needs espeak-ng and sox (scripts/install-deps installs both).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp --suffix=.wav)
trap 'rm -f "$tmp"' EXIT
espeak-ng -v en-us -s 150 -w "$tmp" \
  "Hello, you have reached our office. Nobody can take your call right now. Please leave your name, your number and a short message after the tone."
sox "$tmp" -r 16000 -c 1 -b 16 greeting-default.wav
