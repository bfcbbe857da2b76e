"""Hypothesis strategies for whole change packages, drawn through plmsync's own generator.

The generator (`plmsync.generator`) builds valid multi-level releases and ECOs from a shape
and a seed; drawing the shape and the seed lets hypothesis explore product structures while
every package stays one a PLM could really send (so a failure is a real bug, not bad input).
"""

from __future__ import annotations

from hypothesis import strategies as st

from plmsync import generator
from plmsync.domain.package import ChangePackage
from plmsync.pipeline.derive import PlantContext

PLANTS = (("US01", "NA"), ("DE01", "EU"))
CONTEXTS = tuple(PlantContext(code, region) for code, region in PLANTS)

shapes = st.builds(
    generator.Shape,
    items=st.integers(80, 120),  # >= 50 parts: the ECO generator samples 50,
    lines=st.integers(16, 200),
    depth=st.integers(1, 4),
    plants=st.just(PLANTS),
    seed=st.integers(0, 100_000),
)
releases = shapes.map(generator.release)


@st.composite
def release_and_eco(draw: st.DrawFn) -> tuple[ChangePackage, ChangePackage]:
    """A release and an ECO revising some of its assemblies (as the PLM would send them)."""
    release = draw(releases)
    fraction = draw(st.sampled_from([0.01, 0.2, 0.5, 1.0]))
    eco = generator.eco(release, fraction=fraction, seed=draw(st.integers(0, 100_000)))
    return release, eco


plants = st.sampled_from(CONTEXTS)
