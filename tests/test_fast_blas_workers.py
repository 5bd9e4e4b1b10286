"""OpenBLAS's idle workers are told to sleep at once when the fast path first spreads rows over
threads of its own, the products give the same numbers after it, and a spin setting the user put
in the environment stands. Run in fresh processes: the setting lasts for the process."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from transformer_lib.fast import blas_workers

SCRIPT = textwrap.dedent("""
    import json
    import numpy as np
    from transformer_lib.fast import blas_workers, parallel

    a = np.random.default_rng(0).standard_normal((300, 300))
    before_product = a @ a  # the workers have started, with the spin setting they were given
    libraries = blas_workers._openblas_on_pthreads()
    spin_before = [blas_workers.worker_spin(library) for library in libraries]
    parallel.set_threads(2)
    parallel.split_rows(lambda start, stop: None, 100, elements=parallel.MIN_ELEMENTS)  # the first split
    after = a @ a
    print(json.dumps({"libraries": len(libraries), "spin_before": spin_before,
                      "spin_after": [blas_workers.worker_spin(library) for library in libraries],
                      "same_product": bool(np.array_equal(before_product, after)),
                      "left_in_environment": blas_workers.SPIN_SETTING in __import__("os").environ}))
""")


def run(environment: dict) -> dict:
    env = {key: value for key, value in os.environ.items() if key != blas_workers.SPIN_SETTING}
    printed = subprocess.run([sys.executable, "-c", SCRIPT], env={**env, **environment, "OPENBLAS_NUM_THREADS": "2"},
                             capture_output=True, text=True, check=True).stdout
    return json.loads(printed.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def on_openblas():
    if not blas_workers._openblas_on_pthreads():
        pytest.skip("NumPy's BLAS here is not OpenBLAS on pthreads: nothing to set")


def test_the_first_split_lets_the_workers_sleep_and_the_products_stay_the_same(on_openblas):
    seen = run({})
    assert seen["libraries"] >= 1
    assert seen["spin_before"] == [0] * seen["libraries"]  # OpenBLAS's default: spin 2^28 cycles
    assert seen["spin_after"] == [blas_workers.SHORTEST_SPIN] * seen["libraries"]
    assert seen["same_product"] and not seen["left_in_environment"]


def test_a_spin_setting_in_the_environment_stands(on_openblas):
    seen = run({blas_workers.SPIN_SETTING: "12"})
    assert seen["spin_before"] == seen["spin_after"] == [12] * seen["libraries"]
    assert seen["same_product"]


def test_nothing_happens_without_openblas_on_pthreads(monkeypatch):
    monkeypatch.delenv(blas_workers.SPIN_SETTING, raising=False)
    monkeypatch.setattr(blas_workers, "_openblas_on_pthreads", lambda: [])
    assert blas_workers.let_workers_sleep() is False
