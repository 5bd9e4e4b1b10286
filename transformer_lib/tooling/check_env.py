"""Is this environment fit for the textbook? For each dependency: the required range, the
installed version, and OK or FAIL.

Run ``python -m transformer_lib.tooling.check_env``; the exit status is 1 if anything fails."""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


@dataclass(frozen=True)
class DependencyStatus:
    """One dependency: its name, the required range, what is installed (None if nothing)."""

    name: str
    required: str
    installed: str | None

    @property
    def ok(self) -> bool:
        if self.installed is None:
            return False
        return Requirement(f"{self.name}{self.required}").specifier.contains(self.installed, prereleases=True)


def required_dependencies() -> list[Requirement]:
    """The dependencies declared in pyproject.toml (or, for an installed wheel, its metadata)
    that apply to this platform (those with a marker that does not hold here, as `isal` on
    Windows on ARM, are not installed there)."""
    if PYPROJECT.exists():
        with PYPROJECT.open("rb") as f:
            declared = tomllib.load(f)["project"]["dependencies"]
    else:
        declared = metadata.requires("transformer_lib") or []
    return [requirement for requirement in map(Requirement, declared)
            if requirement.marker is None or requirement.marker.evaluate()]


def dependency_status(requirement: Requirement) -> DependencyStatus:
    """Compare one requirement with what is installed."""
    try:
        installed = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        installed = None
    bounds = sorted(requirement.specifier, key=lambda spec: spec.operator.startswith("<"))
    return DependencyStatus(requirement.name, ",".join(str(spec) for spec in bounds), installed)


def report(statuses: list[DependencyStatus]) -> str:
    """A table: package, required range, installed version, OK/FAIL."""
    rows = [("package", "required", "installed", "status")]
    rows += [(s.name, s.required, s.installed or "missing", "OK" if s.ok else "FAIL") for s in statuses]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def main() -> int:
    statuses = [dependency_status(r) for r in required_dependencies()]
    python_ok = sys.version_info >= (3, 11)
    print(f"Python {sys.version.split()[0]} (required >=3.11): {'OK' if python_ok else 'FAIL'}")
    print(report(statuses))
    failed = [s.name for s in statuses if not s.ok]
    if failed or not python_ok:
        print(f"\nFix: pip install -c constraints.txt -e .   (failing: {', '.join(failed) or 'python'})")
        return 1
    print("\nEverything the textbook needs is installed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
