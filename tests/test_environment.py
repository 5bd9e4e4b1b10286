"""The three descriptions of the environment agree: pyproject.toml (ranges), constraints.txt
(exact pins used by the set-up) and environment.yml (conda); the test tools are an extra."""

import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from transformer_lib.tooling import check_env

ROOT = Path(__file__).resolve().parent.parent
CONDA_TO_PIP = {"pytorch": "torch"}
TEST_TOOLS = {"pytest", "nbval", "hypothesis", "ruff", "playwright"}


def project() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]


def requirements(lines: list[str]) -> dict[str, Requirement]:
    return {canonicalize_name(r.name): r for r in map(Requirement, lines)}


def declared() -> dict[str, Requirement]:
    """What a reader's set-up installs and what the test extra adds."""
    return requirements(project()["dependencies"]) | requirements(project()["optional-dependencies"]["test"])


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def conda_packages() -> dict[str, str]:
    """conda's packages and the ones its pip section pins, by pip name."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    packages = {}
    for entry in env["dependencies"]:
        if isinstance(entry, str) and entry not in ("pip",):
            name, _, version = entry.partition("=")
            packages[canonicalize_name(CONDA_TO_PIP.get(name, name))] = version
        elif isinstance(entry, dict):
            for line in entry["pip"]:
                if "==" in line:
                    name, version = line.split("==")
                    packages[canonicalize_name(name)] = version
    return packages


def test_the_test_tools_are_an_extra_and_not_what_a_reader_installs():
    reader, extra = requirements(project()["dependencies"]), requirements(project()["optional-dependencies"]["test"])
    assert TEST_TOOLS <= set(extra)
    assert not set(reader) & set(extra)
    assert {"numpy", "matplotlib", "ipywidgets", "jupyterlab", "torch"} <= set(reader)


def test_conda_environment_has_the_same_package_set_as_pyproject():
    conda = conda_packages()
    assert conda.pop("python") == "3.11"
    assert set(conda) == set(declared())


@pytest.mark.parametrize("name", sorted(declared()))
def test_every_dependency_is_pinned_the_same_way_everywhere(name):
    requirement, pins, conda = declared()[name], pinned(), conda_packages()
    assert name in pins, f"{name} is in pyproject.toml but not pinned in constraints.txt"
    assert requirement.specifier.contains(pins[name]), f"constraints.txt pins {name}=={pins[name]} outside {requirement}"
    assert conda[name] == pins[name], f"environment.yml has {name}={conda[name]}, constraints.txt {pins[name]}"


def test_torch_is_pinned_to_the_local_cpu_build():
    assert pinned()["torch"] == "2.13.0"


def test_check_env_reports_a_missing_and_an_out_of_range_package():
    missing = check_env.DependencyStatus("nopackage", ">=1", None)
    too_old = check_env.DependencyStatus("numpy", ">=2.0,<3", "1.26.4")
    good = check_env.DependencyStatus("numpy", ">=2.0,<3", "2.4.6")
    assert not missing.ok and not too_old.ok and good.ok
    table = check_env.report([missing, too_old, good])
    assert "missing" in table and table.count("FAIL") == 2 and table.count("OK") == 1


def test_check_env_leaves_out_what_is_not_installed_on_this_platform(monkeypatch, tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["numpy>=2", "winonly>=1; sys_platform == \'win32\' '
                         'and sys_platform != \'win32\'"]\n')
    monkeypatch.setattr(check_env, "PYPROJECT", pyproject)
    assert [r.name for r in check_env.required_dependencies()] == ["numpy"]


def test_check_env_passes_in_this_environment(capsys):
    assert check_env.main() == 0
    assert "FAIL" not in capsys.readouterr().out


def test_importing_the_package_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, transformer_lib, transformer_lib.widgets, transformer_lib.exercises; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
