"""The sample app's demo step: records only that it ran, on the built federation (tests)."""

from __future__ import annotations

from gonghui.core.records.samples import DemoBuild
from gonghui.orgs.models import Organization

RAN: list[tuple[int, int]] = []


def demo(build: DemoBuild) -> None:
    # The shared tree and the orgs' steps are in place when an app's step runs.
    RAN.append((build.seed, Organization.objects.count()))
    build.counts["pieces"] = 0
