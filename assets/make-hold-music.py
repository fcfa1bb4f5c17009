#!/usr/bin/env python3
"""Writes hold-music.wav: a soft 8-second arpeggio loop (16 kHz mono, 16-bit), made from
sine tones so it carries no third-party rights. Re-run to regenerate; the output is stable."""
import math
import struct
import wave

RATE = 16000
NOTE_SECONDS = 0.5
# C major, F major, G major, C major arpeggios (C5 E5 G5 C6 / F4 A4 C5 F5 / ...).
CHORDS = [
    [523.25, 659.25, 783.99, 1046.50],
    [349.23, 440.00, 523.25, 698.46],
    [392.00, 493.88, 587.33, 783.99],
    [523.25, 659.25, 783.99, 1046.50],
]


def note(freq):
    n = int(RATE * NOTE_SECONDS)
    for i in range(n):
        t = i / RATE
        # A gentle attack and decay so notes do not click.
        envelope = min(1.0, t / 0.02) * math.exp(-3.0 * t)
        yield 0.35 * envelope * (math.sin(2 * math.pi * freq * t) + 0.25 * math.sin(4 * math.pi * freq * t))


samples = [s for chord in CHORDS for freq in chord for s in note(freq)]
with wave.open("hold-music.wav", "wb") as out:
    out.setnchannels(1)
    out.setsampwidth(2)
    out.setframerate(RATE)
    out.writeframes(b"".join(struct.pack("<h", int(max(-1.0, min(1.0, s)) * 32767)) for s in samples))
