"""The care app's sample records (gonghui.core.records.samples), one module per part."""

from __future__ import annotations

from typing import Any

from gonghui.care.samples import hardship, insurance, welfare
from gonghui.core.records.samples import Branch, DemoBuild

PARTS = (hardship, welfare, insurance)


def sentinels(branch: Branch) -> dict[str, Any]:
    made: dict[str, Any] = {}
    for part in PARTS:
        make = getattr(part, "sentinels", None)
        if make is not None:
            made.update(make(branch))
    return made


def demo(build: DemoBuild) -> None:
    for part in PARTS:
        step = getattr(part, "demo", None)
        if step is not None:
            step(build)
