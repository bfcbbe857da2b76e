"""Seeded, reproducible change packages for benchmarks, load tests and demos: releases with
deep multi-level BOMs (release.py), what real products carry besides (variety.py), single
ECOs (release.py) and ECO streams (stream.py). The same inputs give byte-identical output."""

from plmsync.generator.release import EPOCH, Shape, eco, release
from plmsync.generator.stream import Edit, Stream, eco_stream, next_revision
from plmsync.generator.variety import PLAIN, REALISTIC, Variety

__all__ = [
    "EPOCH",
    "PLAIN",
    "REALISTIC",
    "Edit",
    "Shape",
    "Stream",
    "Variety",
    "eco",
    "eco_stream",
    "next_revision",
    "release",
]
