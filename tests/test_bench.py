"""The benchmark's own arithmetic: the FLOP count, the thread count it reads, the memory it measures;
`--notebooks-only` runs the notebooks' timing alone."""

import json

import numpy as np
import pytest

from transformer_lib.model.attention import MultiHeadAttention
from transformer_lib.model.linear import Linear
from transformer_lib.model.transformer import Transformer
from transformer_lib.tooling import bench


@pytest.mark.parametrize("name", ["toy", "copy", "medium"])
def test_training_flops_counts_every_matrix_product_of_the_model(name):
    size = bench.SIZES[name]
    model = Transformer(bench._config(size, "float64"), seed=0)
    tokens = size.batch * size.length
    forward = 0
    for _, module in model.named_modules():
        if isinstance(module, Linear):  # every Linear here sees one row per token (source or target)
            forward += 2 * tokens * module.d_in * module.d_out
        elif isinstance(module, MultiHeadAttention):  # Q Kᵀ and weights V, each B h Tq Tk d_k multiply-adds
            forward += 2 * 2 * size.batch * size.length * size.length * module.d_model
    assert bench.training_flops(size) == 3 * forward


def test_numpy_blas_threads_is_what_openblas_reports():
    threads = bench.numpy_blas_threads()
    if threads is None:
        pytest.skip("NumPy's BLAS is not OpenBLAS")
    assert 1 <= threads <= 64


def test_peak_memory_sees_a_temporary_array_and_not_what_came_before():
    before = np.ones(20_000_000 // 8)  # 20 MB allocated before the baseline: not counted
    memory = bench.PeakMemory()
    temporary = np.ones(40_000_000 // 8)  # 40 MB, touched, then freed
    del temporary
    assert 35 < memory.mb() < 60
    del before


def test_thread_counts_default_to_one_and_numpy_s_own():
    assert bench._thread_counts("1,2") == [1, 2]
    counts = bench._thread_counts(None)
    assert counts[0] == 1 and counts == sorted(set(counts))
    with pytest.raises(ValueError, match="positive counts"):
        bench._thread_counts("0,2")


@pytest.mark.parametrize("path", bench.PATHS)
def test_each_path_takes_a_training_step(path):
    step = bench._numpy_step(bench.SIZES["toy"], "float64", path)
    first, second = step(), step()
    assert np.isfinite(first) and second < first  # Adam at lr 1e-4 lowers the loss of the one batch


def test_the_fast_path_spreads_its_rows_over_as_many_threads_as_the_blas(monkeypatch):
    from transformer_lib.fast import parallel

    result = bench.measure_numpy(bench.SIZES["toy"], "float64", repeats=1, warmup=0, path="fast")
    assert result["threads"] in (None, parallel.threads())
    if result["threads"] is None:
        pytest.skip("NumPy's BLAS is not OpenBLAS")
    monkeypatch.setattr(parallel, "_chosen_threads", result["threads"] + 1)
    with pytest.raises(RuntimeError, match="spread its rows over"):
        bench.measure_numpy(bench.SIZES["toy"], "float64", repeats=1, warmup=0, path="fast")


def test_notebooks_only_times_the_chapters_and_nothing_else(monkeypatch, tmp_path, capsys):
    def refuse(*args, **kwargs):
        raise AssertionError("--notebooks-only measured a training step")

    folders = []
    monkeypatch.setattr(bench, "notebook_times", lambda folder: folders.append(folder) or ({"00_a.ipynb": 1.5,
                                                                                            "01_b.ipynb": 2.0}, 2.5))
    monkeypatch.setattr(bench, "compare_step", refuse)
    monkeypatch.setattr(bench, "_run_child", refuse)
    references = iter([0.51, 0.62])
    monkeypatch.setattr(bench, "single_core_seconds", lambda: next(references))
    out = tmp_path / "results.json"
    assert bench.main(["--notebooks-only", "--json", str(out)]) == 0
    assert folders and folders[0].name == "notebooks"
    results = json.loads(out.read_text())
    assert results["notebook_seconds"] == {"00_a.ipynb": 1.5, "01_b.ipynb": 2.0}
    assert len(results["notebook_load_average_1min"]) == 2
    printed = capsys.readouterr().out
    assert results["notebook_series_wall_seconds"] == 2.5
    assert "01_b.ipynb" in printed and "sum of the chapters" in printed and "3.5 s" in printed
    assert "all notebooks" in printed and "2.5 s wall" in printed
    assert results["notebook_single_core_seconds"] == [0.51, 0.62]
    assert "single-core reference 0.51 s before, 0.62 s after" in printed


def test_the_single_core_reference_times_its_loop_as_the_best_of_its_repeats(monkeypatch):
    monkeypatch.setattr(bench, "REFERENCE_ADDITIONS", 1000)
    clock = iter([0.0, 3.0, 10.0, 11.5, 20.0, 22.0])  # three runs of 3, 1.5 and 2 s
    monkeypatch.setattr(bench.time, "perf_counter", lambda: next(clock))
    assert bench.single_core_seconds(repeats=3) == 1.5
