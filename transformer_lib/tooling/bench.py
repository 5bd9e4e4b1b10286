"""Benchmark: one training step of the NumPy model, on the plain path the chapters read and on
the fast path (``fast.accelerate``, ``fast.Adam``, ``fast.CrossEntropyLoss``), against its PyTorch
twin; the achieved floating-point rate against the machine's matrix-product ceiling, peak memory,
greedy-decoding throughput, decoding with and without the KV cache as the output grows, and the
wall time of every notebook.

Run ``python -m transformer_lib.tooling.bench`` (``--quick`` for fewer repeats, ``--no-notebooks`` to
skip executing the notebooks, ``--notebooks-only`` to time only them, ``--steps-only`` for the
training steps alone, ``--threads 1,2`` for the thread counts to run all libraries on, ``--json PATH``
to choose where the results go).

How it measures:

- Each measurement runs in a fresh subprocess, so its memory is its own. NumPy's BLAS, the fast
  path's elementwise work (`fast.parallel`, which follows the BLAS) and PyTorch get the same
  number of threads: each count of ``--threads`` in turn, by default 1 and the number NumPy's
  BLAS uses by default here (it is read from the library, and the child reports what it really
  used).
- The plain path, the fast path and PyTorch take turns, round after round, in a rotating order,
  so a change in the machine's load hits all three; a ratio is the median over rounds of
  (NumPy median / PyTorch median) within a round. The
  1-minute load average is recorded with every figure: on a busy machine, timings (above all
  multithreaded ones) are noisy. The "cpu ratio" compares the processes' CPU time per step the
  same way; on one thread it is the steadier figure when other programs compete for the cores
  (with several threads it also counts threads waiting for each other).
- Peak memory is the resident-set high-water mark during model construction and the training
  steps, above the resident set just before (imports, and for PyTorch the NumPy model the twin
  copies its weights from, are excluded).
- The FLOP count (`training_flops`) counts matrix products only; the ceiling is the best rate of
  a large square matrix product on the same number of threads.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

from ..lessons.heads import attention_multiply_adds
from .notebook_runs import default_jobs, execute_notebooks


@dataclass(frozen=True)
class Size:
    """One benchmark configuration."""

    name: str
    vocab: int
    d_model: int
    num_heads: int
    d_ff: int
    layers: int
    batch: int
    length: int


SIZES = {
    "toy": Size("toy", 11, 6, 2, 24, 1, 1, 3),
    "copy": Size("copy", 11, 32, 4, 128, 2, 80, 10),
    "medium": Size("medium", 1000, 128, 4, 512, 2, 32, 32),
}
PAD = 0
DTYPES = ("float64", "float32")


def _config(size: Size, dtype: str):
    from ..model.transformer import TransformerConfig

    return TransformerConfig(src_vocab_size=size.vocab, tgt_vocab_size=size.vocab, d_model=size.d_model,
                             num_heads=size.num_heads, d_ff=size.d_ff, num_encoder_layers=size.layers,
                             num_decoder_layers=size.layers, max_len=max(size.length + 1, 16), pad_id=PAD,
                             dtype=dtype)


def _batch(size: Size, seed: int = 0):
    rng = np.random.default_rng(seed)
    src = rng.integers(1, size.vocab, (size.batch, size.length))
    tgt = rng.integers(1, size.vocab, (size.batch, size.length + 1))
    return src, tgt[:, :-1], tgt[:, 1:]


def training_flops(size: Size) -> float:
    """Floating-point operations of one training step, counting matrix products only: 2 per
    multiply-add, and the backward pass costs twice the forward (one product for the input
    gradient and one for the weight gradient per forward product)."""
    b, t, d, f, v, n = size.batch, size.length, size.d_model, size.d_ff, size.vocab, size.layers
    tokens = b * t
    attention = 2 * b * attention_multiply_adds(t, d, size.num_heads)["total"]  # four projections, QKᵀ and AV
    ffn = 2 * tokens * d * f * 2
    forward = n * (attention + ffn) + n * (2 * attention + ffn) + 2 * tokens * d * v
    return 3.0 * forward


# -- threads and machine --------------------------------------------------------------------------
def _openblas():
    """The OpenBLAS library NumPy loaded (a ctypes handle) and its symbol prefix, or None."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    paths = {line.split()[-1] for line in maps.splitlines() if "openblas" in line.lower() and ".so" in line}
    for path in sorted(paths):
        lib = ctypes.CDLL(path)
        for prefix, suffix in (("scipy_openblas_", "64_"), ("openblas_", "64_"), ("openblas_", "")):
            if hasattr(lib, f"{prefix}get_num_threads{suffix}"):
                return lib, prefix, suffix
    return None


def numpy_blas_threads() -> int | None:
    """How many threads NumPy's BLAS (OpenBLAS) uses for a large matrix product, or None if
    the BLAS is not OpenBLAS."""
    found = _openblas()
    if found is None:
        return None
    lib, prefix, suffix = found
    return int(getattr(lib, f"{prefix}get_num_threads{suffix}")())


def machine() -> dict:
    """CPU model, core count, load average and library versions of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    info = {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
            "numpy_blas": f"{blas.get('name')} {blas.get('version')}", "numpy_blas_threads": numpy_blas_threads(),
            "load_average_1min": os.getloadavg()[0]}
    try:
        import torch

        config = torch.__config__.show()
        backend = next((line.strip(" -") for line in config.splitlines() if "Math Kernel Library Version" in line), "")
        info["torch"] = torch.__version__
        info["torch_blas"] = backend.split(" for ")[0]
    except ImportError:
        info["torch"] = None
    return info


# -- memory ---------------------------------------------------------------------------------------
def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class PeakMemory:
    """Resident-set high-water mark above the resident set at creation, in MB (Linux: resets
    the kernel's VmHWM through /proc/self/clear_refs; elsewhere falls back to ru_maxrss)."""

    def __init__(self):
        self.start_kb = _status_kb("VmRSS")
        try:
            Path("/proc/self/clear_refs").write_text("5")
            self.exact = self.start_kb is not None
        except OSError:
            self.exact = False
        if not self.exact:
            self.start_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def mb(self) -> float:
        peak = _status_kb("VmHWM") if self.exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return (peak - self.start_kb) / 1024


# -- one measurement -------------------------------------------------------------------------------
def _time_steps(step, repeats: int, warmup: int, cpu_times: list[float] | None = None) -> list[float]:
    """Wall seconds of each of `repeats` calls of `step` after `warmup` calls; the process's CPU
    seconds of each call are appended to `cpu_times` if given."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - start)
        if cpu_times is not None:
            cpu_times.append(time.process_time() - start_cpu)
    return times


PATHS = ("plain", "fast")


def _numpy_step(size: Size, dtype: str, path: str = "plain"):
    """One training step (forward, loss, backward, Adam) of a fresh model at `size`, as a
    function of no arguments, on the plain path or the fast one."""
    from ..model.loss import CrossEntropyLoss
    from ..model.transformer import Transformer
    from ..training.loop import Batch, train_step
    from ..training.optim import Adam

    model = Transformer(_config(size, dtype), seed=0)
    optimizer, loss_fn = Adam(model, lr=1e-4), CrossEntropyLoss(ignore_index=PAD)
    if path == "fast":
        from .. import fast

        fast.accelerate(model)
        optimizer, loss_fn = fast.Adam(model, lr=1e-4), fast.CrossEntropyLoss(ignore_index=PAD)
    return partial(train_step, model, optimizer, loss_fn, Batch(*_batch(size)))


def measure_numpy(size: Size, dtype: str, repeats: int, warmup: int, path: str = "plain") -> dict:
    """Seconds of each NumPy training step (forward, backward, Adam) on `path` and the peak memory."""
    _numpy_step(SIZES["toy"], dtype, path)()  # start the BLAS threads and their buffers first
    memory = PeakMemory()
    cpu = []
    times = _time_steps(_numpy_step(size, dtype, path), repeats, warmup, cpu)
    threads = numpy_blas_threads()
    if path == "fast":
        from ..fast.parallel import threads as fast_threads

        if fast_threads() != threads:  # the fast path's elementwise work runs on as many threads as the BLAS
            raise RuntimeError(f"the fast path spread its rows over {fast_threads()} threads, the BLAS over {threads}")
    return {"times": times, "cpu_times": cpu, "peak_mb": memory.mb(), "threads": threads}


def measure_torch(size: Size, dtype: str, repeats: int, warmup: int, threads: int) -> dict:
    """Seconds of each PyTorch training step of the twin (eager, CPU, `threads` threads, the same
    weights, batch, loss and optimiser) and the peak memory."""
    import torch

    from ..model.transformer import Transformer
    from ..reference.torch_model import torch_twin
    from ..reference.twin_training import torch_train_step
    from ..training.loop import Batch

    torch.set_num_threads(threads)
    batch = Batch(*(torch.as_tensor(a) for a in _batch(size)))
    warm = torch_twin(Transformer(_config(SIZES["toy"], dtype), seed=0))  # load PyTorch's kernels first
    torch_train_step(warm, torch.optim.Adam(warm.parameters()), Batch(*_batch(SIZES["toy"])), PAD)
    source = Transformer(_config(size, dtype), seed=0)

    memory = PeakMemory()
    twin = torch_twin(source)
    step = partial(torch_train_step, twin, torch.optim.Adam(twin.parameters(), lr=1e-4), batch, PAD)
    cpu = []
    times = _time_steps(step, repeats, warmup, cpu)
    return {"times": times, "cpu_times": cpu, "peak_mb": memory.mb(), "threads": torch.get_num_threads()}


def measure_greedy(repeats: int, path: str = "plain") -> dict:
    """Sequences per second decoded greedily by the NumPy model at the copy-task size (batch 80,
    11 steps), on `path`."""
    from ..model.transformer import Transformer
    from ..training.decoding import greedy_decode

    size = SIZES["copy"]
    model = Transformer(_config(size, "float64"), seed=0)
    if path == "fast":
        from .. import fast

        fast.accelerate(model)
    src, _, _ = _batch(size)
    times = _time_steps(lambda: greedy_decode(model, src, bos_id=1, max_len=size.length + 1), repeats, 1)
    return {"times": times, "sequences_per_second": size.batch / statistics.median(times)}


DECODING_SIZE = Size("decoding", 1000, 64, 4, 256, 2, 4, 32)  # batch 4, sources of 32 tokens
DECODING_LENGTHS = (16, 64, 256)


def measure_decoding(lengths=DECODING_LENGTHS, size: Size = DECODING_SIZE) -> list[dict]:
    """Greedy decoding of `length` tokens per sequence with the KV cache and by re-running the
    decoder on the whole prefix, on random weights: decoded tokens per second of each, for every
    length, and the speed-up."""
    from ..lessons.decoding_cost import decoding_step_seconds
    from ..model.transformer import Transformer

    config = replace(_config(size, "float64"), max_len=max(lengths), pad_id=None)
    model = Transformer(config, seed=0)
    src, _, _ = _batch(size)
    decoding_step_seconds(model, src, 4, cached=True)  # first calls load code and buffers
    rows = []
    for length in lengths:
        cached = decoding_step_seconds(model, src, length, cached=True).sum()
        uncached = decoding_step_seconds(model, src, length, cached=False).sum()
        tokens = size.batch * length
        rows.append({"length": length, "cached_tokens_per_second": float(tokens / cached),
                     "uncached_tokens_per_second": float(tokens / uncached), "speedup": float(uncached / cached)})
    return rows


def matmul_ceiling(dtype: str, n: int = 1024, repeats: int = 5) -> float:
    """The machine's large-matrix-product rate for NumPy, in GFLOP/s (best of `repeats`)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    best = min(_time_steps(lambda: a @ b, repeats, 1))
    return 2 * n**3 / best / 1e9


def _child(kind: str, size_name: str, dtype: str, repeats: int, warmup: int, threads: int) -> None:
    if kind == "torch":
        import torch  # noqa: F401  (imported before the memory baseline: the library is not the model)

        from .. import reference  # noqa: F401
    size = SIZES.get(size_name)
    load = os.getloadavg()[0]
    if kind in PATHS:
        result = measure_numpy(size, dtype, repeats, warmup, kind)
    elif kind == "torch":
        result = measure_torch(size, dtype, repeats, warmup, threads)
    elif kind == "ceiling":
        result = {"gflops": matmul_ceiling(dtype), "threads": numpy_blas_threads()}
    elif kind == "decoding":
        result = {"rows": measure_decoding()}
    elif kind == "controls":
        from .control_speed import measure_all

        result = {"rows": measure_all(changes=repeats)}
    elif kind.startswith("greedy-"):
        result = measure_greedy(repeats, kind.removeprefix("greedy-"))
    else:
        raise ValueError(f"unknown measurement {kind!r}")
    result["load_average_1min"] = max(load, os.getloadavg()[0])
    print(json.dumps(result))


def _run_child(kind: str, size_name: str, dtype: str, repeats: int, warmup: int, threads: int) -> dict:
    cmd = [sys.executable, "-m", "transformer_lib.tooling.bench", "--child", kind, size_name, dtype, str(repeats), str(warmup),
           str(threads)]
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


KINDS = (*PATHS, "torch")


def compare_step(size_name: str, dtype: str, rounds: int, repeats: int, threads: int, warmup: int = 3) -> dict:
    """The plain path, the fast path and PyTorch, one training step at one size and dtype:
    `rounds` rounds, each one subprocess of `repeats` timed steps per kind (the order rotating
    from round to round). Times in ms are medians over all steps; ratios to PyTorch are medians
    over rounds of the ratio within a round."""
    runs = {kind: [] for kind in KINDS}
    for r in range(rounds):
        for kind in KINDS[r % len(KINDS):] + KINDS[:r % len(KINDS)]:
            runs[kind].append(_run_child(kind, size_name, dtype, repeats, warmup, threads))
    for kind in runs:
        used = {run["threads"] for run in runs[kind]}
        if used != {threads}:
            raise RuntimeError(f"{kind} ran on {used} threads, expected {threads}")

    def ratio(kind, key="times", reference="torch"):
        return statistics.median(statistics.median(n[key]) / statistics.median(t[key])
                                 for n, t in zip(runs[kind], runs[reference], strict=True))

    loads = [run["load_average_1min"] for kind in runs for run in runs[kind]]
    row = {"size": asdict(SIZES[size_name]), "dtype": dtype, "threads": threads, "rounds": rounds,
           "load_min": min(loads), "load_max": max(loads)}
    for kind in KINDS:
        row[f"{kind}_ms"] = 1e3 * statistics.median([x for run in runs[kind] for x in run["times"]])
        row[f"{kind}_peak_mb"] = statistics.median(run["peak_mb"] for run in runs[kind])
    for path in PATHS:
        row[f"{path}_ratio"] = ratio(path)
        row[f"{path}_cpu_ratio"] = ratio(path, "cpu_times")
    row["plain_over_fast"] = ratio("plain", reference="fast")
    return row


REFERENCE_ADDITIONS = 5_000_000  # the fixed single-core workload `single_core_seconds` times


def single_core_seconds(repeats: int = 3) -> float:
    """Seconds this machine takes, right now, for a fixed single-core workload: `REFERENCE_ADDITIONS`
    additions in a Python loop (the interpreter's speed, which the chapters and the controls
    mostly run at), best of `repeats`. On a shared or virtual machine it moves from minute to
    minute (by a fifth on the AMD EPYC of the README's tables); measured before and after a
    series of timings, it tells a slow machine from slower code."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        total = 0
        for i in range(REFERENCE_ADDITIONS):
            total += i
        best = min(best, time.perf_counter() - start)
    return best


def _reference_text(before: float, after: float) -> str:
    return (f"single-core reference {before:.2f} s before, {after:.2f} s after "
            f"({REFERENCE_ADDITIONS:,} additions in Python)")


def notebook_times(folder: Path) -> tuple[dict[str, float], float]:
    """Wall seconds to execute each chapter of `folder` headless in a fresh kernel, the
    chapters side by side (`execute_notebooks`, `default_jobs` at a time), and the wall seconds of all."""
    seconds, wall = execute_notebooks(sorted(folder.glob("[0-9][0-9]_*.ipynb")))
    return {path.name: taken for path, taken in seconds.items()}, wall


def _report_notebook_times(results: dict) -> None:
    """Execute every chapter (`notebook_times`), print each one's wall seconds, their sum and
    the wall seconds of the whole series with the 1-minute load average before and after, and
    keep them in `results`."""
    folder = Path(__file__).resolve().parents[2] / "notebooks"
    load_before, reference_before = os.getloadavg()[0], single_core_seconds()
    times, wall = notebook_times(folder)
    reference_after = single_core_seconds()
    results["notebook_seconds"] = times
    results["notebook_series_wall_seconds"] = wall
    results["notebook_jobs"] = default_jobs()
    results["notebook_load_average_1min"] = [load_before, os.getloadavg()[0]]
    results["notebook_single_core_seconds"] = [reference_before, reference_after]
    print()
    for name, seconds in times.items():
        print(f"{name:<36}{seconds:>7.1f} s")
    print(f"{'sum of the chapters':<36}{sum(times.values()):>7.1f} s")
    print(f"{'all notebooks':<36}{wall:>7.1f} s wall, {default_jobs()} at a time (load {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after)")
    print(f"{'':<36}{_reference_text(reference_before, reference_after)}: the machine's own speed")


CONTROL_CHANGES = 10  # changes of each input of each control


def control_times(results: dict) -> list[dict]:
    """How fast every control answers (`control_speed`): from a changed setting to the new
    image's bytes, median and 95th percentile over `CONTROL_CHANGES` changes of each input, in
    a fresh process. Prints the table with the processor, the matrix-product ceiling on NumPy's
    default threads and the load average beside it; returns the rows for the JSON file."""
    from .control_speed import TABLE_HEADER, table_row

    m = results["machine"]
    threads = numpy_blas_threads() or 1
    key = f"matmul_ceiling_float64_{threads}_threads_gflops"
    if key not in results:
        results[key] = _run_child("ceiling", "medium", "float64", 0, 0, threads)["gflops"]
    load_before, reference_before = os.getloadavg(), single_core_seconds()
    rows = _run_child("controls", "toy", "float64", CONTROL_CHANGES, 0, threads)["rows"]
    load_after, reference_after = os.getloadavg(), single_core_seconds()
    results["controls_single_core_seconds"] = [reference_before, reference_after]
    print(f"\ncontrols: time from a changed setting to the new image's bytes ({CONTROL_CHANGES} changes of each input, "
          "after the layouts the controls reach were prepared, as while a reader reads; 'longest ms': the "
          "longest of those preparations, what a move to a layout not yet prepared waits)")
    print(f"{m['cpu']}, {m['cores']} cores; matrix-product ceiling {results[key]:.1f} GFLOP/s (float64, "
          f"{threads} thread(s)); load average {' '.join(f'{x:.2f}' for x in load_before)} before, "
          f"{' '.join(f'{x:.2f}' for x in load_after)} after; {_reference_text(reference_before, reference_after)}")
    print(TABLE_HEADER)
    for row in rows:
        print(table_row(row))
    return [{key: row[key] for key in ("name", "median_ms", "p95_ms", "changes", "cpu_median_ms", "prepared_layouts",
                                       "prepare_ms", "load_average_1min", "inputs")} for row in rows]


def _thread_counts(text: str | None) -> list[int]:
    """``--threads`` as a list of counts: "1,2" -> [1, 2]; by default 1 and NumPy's own count."""
    if text is None:
        default = numpy_blas_threads() or os.cpu_count() or 1
        return sorted({1, default})
    counts = [int(part) for part in text.split(",")]
    if any(n < 1 for n in counts):
        raise ValueError(f"--threads takes positive counts such as 1,2, got {text!r}")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and repeats")
    parser.add_argument("--no-notebooks", action="store_true", help="skip executing the notebooks")
    parser.add_argument("--notebooks-only", action="store_true",
                        help="only execute the notebooks, each in a fresh kernel, and print their wall times")
    parser.add_argument("--threads", default=None,
                        help="comma-separated thread counts for all libraries (default: 1 and what NumPy's BLAS uses here)")
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated subset of " + ", ".join(SIZES))
    parser.add_argument("--json", default="bench_results.json", help="where to write the results")
    parser.add_argument("--steps-only", action="store_true",
                        help="measure only the training steps and the matrix-product ceiling (no decoding, controls, notebooks)")
    parser.add_argument("--controls-only", action="store_true",
                        help="measure only how fast every control answers (with the machine's figures beside)")
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, size_name, dtype, repeats, warmup, threads = args.child
        _child(kind, size_name, dtype, int(repeats), int(warmup), int(threads))
        return 0

    if args.notebooks_only:
        results = {"machine": machine()}
        _report_notebook_times(results)
        Path(args.json).write_text(json.dumps(results, indent=2))
        print(f"\nresults written to {args.json}")
        return 0

    if args.controls_only:
        results = {"machine": machine()}
        results["controls"] = control_times(results)
        Path(args.json).write_text(json.dumps(results, indent=2))
        print(f"\nresults written to {args.json}")
        return 0

    thread_counts = _thread_counts(args.threads)
    rounds = 2 if args.quick else 4
    repeats = {"toy": 30, "copy": 10, "medium": 5} if args.quick else {"toy": 60, "copy": 20, "medium": 8}
    results = {"machine": machine(), "threads": thread_counts, "steps": []}
    m = results["machine"]
    print(f"{m['cpu']}, {m['cores']} cores; numpy {m['numpy']} ({m['numpy_blas']}), torch {m['torch']} "
          f"({m.get('torch_blas', '')}); {rounds} interleaved rounds\n")
    print(f"{'threads':<8}{'size':<8}{'dtype':<9}{'plain ms':>10}{'fast ms':>9}{'torch ms':>10}{'plain/torch':>13}"
          f"{'fast/torch':>12}{'plain/fast':>12}{'fast MB':>9}{'torch MB':>10}{'load':>11}")
    for threads in thread_counts:
        for size_name in args.sizes.split(","):
            for dtype in DTYPES:
                row = compare_step(size_name, dtype, rounds, repeats[size_name], threads)
                results["steps"].append(row)
                print(f"{threads:<8}{size_name:<8}{dtype:<9}{row['plain_ms']:>10.2f}{row['fast_ms']:>9.2f}"
                      f"{row['torch_ms']:>10.2f}{row['plain_ratio']:>13.2f}{row['fast_ratio']:>12.2f}"
                      f"{row['plain_over_fast']:>12.2f}{row['fast_peak_mb']:>9.1f}{row['torch_peak_mb']:>10.1f}"
                      f"{row['load_min']:>6.1f}-{row['load_max']:.1f}")

    print()
    for threads in thread_counts:
        for dtype in DTYPES:
            step = next((r for r in results["steps"] if r["size"]["name"] == "medium" and r["dtype"] == dtype
                         and r["threads"] == threads), None)
            if step is None:
                continue
            ceiling = max(_run_child("ceiling", "medium", dtype, 0, 0, threads)["gflops"] for _ in range(rounds))
            results[f"matmul_ceiling_{dtype}_{threads}_threads_gflops"] = ceiling
            for path in PATHS:
                achieved = training_flops(SIZES["medium"]) / (step[f"{path}_ms"] / 1e3) / 1e9
                results[f"medium_{path}_{dtype}_{threads}_threads_gflops"] = achieved
                print(f"medium {dtype}, {path} path: {achieved:.1f} GFLOP/s achieved, ceiling {ceiling:.1f} GFLOP/s "
                      f"({100 * achieved / ceiling:.0f}%) on {threads} thread(s)")

    if args.steps_only:
        Path(args.json).write_text(json.dumps(results, indent=2))
        print(f"\nresults written to {args.json}")
        return 0

    for path in PATHS:
        greedy = _run_child(f"greedy-{path}", "copy", "float64", max(3, repeats["copy"] // 2), 1, thread_counts[-1])
        results[f"greedy_{path}_sequences_per_second"] = greedy["sequences_per_second"]
        print(f"greedy decoding, copy size, {path} path: {greedy['sequences_per_second']:.0f} sequences/s "
              f"({thread_counts[-1]} thread(s), load {greedy['load_average_1min']:.1f})")

    decoding = _run_child("decoding", "copy", "float64", 0, 0, thread_counts[-1])
    results["decoding"] = decoding["rows"]
    d = DECODING_SIZE
    print(f"\ngreedy decoding with and without the KV cache (vocab {d.vocab}, d_model {d.d_model}, {d.layers} + "
          f"{d.layers} layers, batch {d.batch}, random weights; load {decoding['load_average_1min']:.1f}):")
    print(f"{'tokens':>8}{'cached tok/s':>14}{'uncached tok/s':>16}{'speed-up':>10}")
    for row in decoding["rows"]:
        print(f"{row['length']:>8}{row['cached_tokens_per_second']:>14.0f}{row['uncached_tokens_per_second']:>16.0f}"
              f"{row['speedup']:>10.1f}")

    results["controls"] = control_times(results)

    if not args.no_notebooks:
        _report_notebook_times(results)

    Path(args.json).write_text(json.dumps(results, indent=2))
    print(f"\nresults written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
