"""Sample records each app declares for its record types: leak-matrix sentinels and demo records.

The leak matrix (tests/core/test_leak_matrix.py) plants, in each of two branches of a small
federation, one record of every registered record type whose text carries the branch's sentinel,
then requests every URL as every persona. The records come from the apps, not from a list kept
in tests/conftest.py: each app's `samples.py` defines

    def sentinels(branch: Branch) -> dict[str, Any]:
        # {record type slug: a record in this branch}, made through the app's actions

which is called once per branch, app by app in INSTALLED_APPS order (so a later app may use what
an earlier one made: `branch.made["people"]`). Adding a record type means adding its sentinel
there, in the app that declares it; no shared file changes.

The demo federation (`gonghui demo`) is assembled the same way: after the shared tree, the
accounts and the existing steps, each app's `samples.py` may define

    def demo(build: DemoBuild) -> None:
        # the app's demo records, made through its actions and imports

called in INSTALLED_APPS order; it reads the seed and the half-year from `build`, adds what
it made to `build.counts` and may say so in a line, `build.note("新建工会 23 个")`, which
`gonghui demo` prints as the build goes (with the step's time).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType
from typing import Any

from django.apps import apps


@dataclass
class Branch:
    """One branch of the test federation, as an app's `sentinels` sees it."""

    key: str  # "a" or "b"
    sentinel: str  # text every record of the branch carries in its name or number
    town: Any  # the branch's town federation
    union: Any  # a grassroots union in the town (the chair of branch A sits there)
    rng: random.Random
    # What the apps before this one made in the branch, by slug.
    made: dict[str, Any] = field(default_factory=dict)


@dataclass
class DemoBuild:
    """The demo federation as built so far, handed to each app's `demo` step."""

    seed: int
    plan: Any  # gonghui.demo.federation.BuildingPlan
    period: tuple[Any, Any]  # the demo's half-year: (first day, last day)
    counts: dict[str, int] = field(default_factory=dict)  # {slug: records an app made}
    # Members on the roll of each union before the half-year (about; 0: no roll before it).
    members_per_union: int = 50
    # Where progress lines go (`gonghui demo` prints them on stderr); None: nowhere.
    progress: Callable[[str], None] | None = None
    # When the current step began (time.monotonic()), for the elapsed time in its lines.
    started: float = field(default_factory=time.monotonic)

    def note(self, text: str) -> None:
        """One line of progress from the running step: what it just made, and how long that
        took (since the step began or its previous line)."""
        now = time.monotonic()
        if self.progress is not None:
            self.progress(f"  {text}（{now - self.started:.1f} 秒）")
        self.started = now


def sample_modules() -> list[ModuleType]:
    """Every installed app's `samples` module, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.samples"
        if find_spec(name) is not None:
            found.append(import_module(name))
    return found


def plant_sentinels(branch: Branch) -> dict[str, Any]:
    """Every app's sentinel records in the branch, `{slug: record}`."""
    for module in sample_modules():
        make = getattr(module, "sentinels", None)
        if make is None:
            continue
        made = make(branch)
        clash = set(made) & set(branch.made)
        if clash:
            raise ValueError(f"{module.__name__}: sentinels for {sorted(clash)} made twice")
        branch.made.update(made)
    return branch.made


def run_demo_steps(build: DemoBuild) -> DemoBuild:
    """Every app's `demo(build)` step, in INSTALLED_APPS order, each announced by its app's
    name on `build.progress`."""
    for module in sample_modules():
        step = getattr(module, "demo", None)
        if step is None:
            continue
        if build.progress is not None:
            config = apps.get_containing_app_config(module.__name__)
            build.progress(f"{config.verbose_name if config else module.__name__}：")
        build.started = time.monotonic()
        step(build)
    return build
