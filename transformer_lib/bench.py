"""Benchmark: one training step of the NumPy model against its PyTorch twin, the achieved
floating-point rate against the machine's matrix-product ceiling, peak memory, greedy-decoding
throughput, and the wall time of every notebook.

Run ``python -m transformer_lib.bench`` (add ``--quick`` for fewer repeats, ``--no-notebooks``
to skip executing the notebooks, ``--json PATH`` to choose where the results go). Each
(implementation, size, dtype) runs in a fresh subprocess so peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np


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


def _config(size: Size, dtype: str):
    from .transformer import TransformerConfig

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
    """Floating-point operations of one training step, counting matrix products only
    (2 per multiply-add; backward costs twice the forward)."""
    b, t, d, f, v, n = size.batch, size.length, size.d_model, size.d_ff, size.vocab, size.layers
    tokens = b * t
    attention = 4 * tokens * d * d * 2 + 2 * (2 * b * t * t * d)  # four projections + QKᵀ and AV
    ffn = 2 * tokens * d * f * 2
    forward = n * (attention + ffn) + n * (2 * attention + ffn) + 2 * tokens * d * v
    return 3.0 * forward


def _time_steps(step, repeats: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


def measure_numpy(size: Size, dtype: str, repeats: int, warmup: int) -> dict:
    """Median seconds of one NumPy training step (forward, backward, Adam)."""
    from .loss import CrossEntropyLoss
    from .optim import Adam
    from .transformer import Transformer

    model = Transformer(_config(size, dtype), seed=0)
    optimizer = Adam(model, lr=1e-4)
    loss_fn = CrossEntropyLoss(ignore_index=PAD)
    src, tgt_in, tgt_out = _batch(size)

    def step():
        logits = model.forward(src, tgt_in)
        loss_fn.forward(logits, tgt_out)
        model.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()

    return {"times": _time_steps(step, repeats, warmup)}


def measure_torch(size: Size, dtype: str, repeats: int, warmup: int) -> dict:
    """Median seconds of one PyTorch training step of the twin (eager, CPU)."""
    import torch

    from .reference import torch_twin
    from .transformer import Transformer

    torch.set_num_threads(os.cpu_count() or 1)
    twin = torch_twin(Transformer(_config(size, dtype), seed=0))
    optimizer = torch.optim.Adam(twin.parameters(), lr=1e-4)
    src, tgt_in, tgt_out = (torch.as_tensor(a) for a in _batch(size))
    src_pad, tgt_pad = src == PAD, tgt_in == PAD

    def step():
        logits = twin(src, tgt_in, src_pad, tgt_pad)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, size.vocab), tgt_out.reshape(-1), ignore_index=PAD)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return {"times": _time_steps(step, repeats, warmup), "threads": torch.get_num_threads()}


def measure_greedy(repeats: int) -> dict:
    """Sequences per second decoded greedily at the copy-task size (batch 80, 11 steps)."""
    from .decoding import greedy_decode
    from .transformer import Transformer

    size = SIZES["copy"]
    model = Transformer(_config(size, "float64"), seed=0)
    src, _, _ = _batch(size)
    times = _time_steps(lambda: greedy_decode(model, src, bos_id=1, max_len=size.length + 1), repeats, 1)
    return {"times": times, "sequences_per_second": size.batch / statistics.median(times)}


def matmul_ceiling(dtype: str, n: int = 1024, repeats: int = 5) -> float:
    """The machine's large-matrix-product rate for NumPy, in GFLOP/s (best of `repeats`)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    a @ b
    best = min(_time_steps(lambda: a @ b, repeats, 1))
    return 2 * n**3 / best / 1e9


def _child(kind: str, size_name: str, dtype: str, repeats: int, warmup: int) -> None:
    if kind == "torch":
        import torch  # noqa: F401  (the library's own footprint is not the model's)

        from . import reference  # noqa: F401
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = SIZES.get(size_name)
    if kind == "numpy":
        result = measure_numpy(size, dtype, repeats, warmup)
    elif kind == "torch":
        result = measure_torch(size, dtype, repeats, warmup)
    else:
        result = measure_greedy(repeats)
    result["peak_rss_mb_above_start"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(json.dumps(result))


def _run_child(kind: str, size_name: str, dtype: str, repeats: int, warmup: int) -> dict:
    cmd = [sys.executable, "-m", "transformer_lib.bench", "--child", kind, size_name, dtype, str(repeats), str(warmup)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def notebook_times(folder: Path) -> dict[str, float]:
    """Wall seconds to execute each notebook of `folder` headless in a fresh kernel."""
    import nbformat
    from nbclient import NotebookClient

    times = {}
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
        times[path.name] = time.perf_counter() - start
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--no-notebooks", action="store_true", help="skip executing the notebooks")
    parser.add_argument("--json", default="bench_results.json", help="where to write the results")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, size_name, dtype, repeats, warmup = args.child
        _child(kind, size_name, dtype, int(repeats), int(warmup))
        return 0

    repeats = {"toy": 30, "copy": 20, "medium": 10}
    if args.quick:
        repeats = {k: max(3, v // 3) for k, v in repeats.items()}
    results = {"machine": {"python": platform.python_version(), "numpy": np.__version__,
                           "cpu_count": os.cpu_count(), "processor": platform.processor() or platform.machine()},
               "steps": []}
    print(f"{'size':<8}{'dtype':<9}{'numpy ms':>10}{'torch ms':>10}{'ratio':>8}{'numpy MB':>10}{'torch MB':>10}")
    for size_name, size in SIZES.items():
        for dtype in ("float64", "float32"):
            n = _run_child("numpy", size_name, dtype, repeats[size_name], 3)
            t = _run_child("torch", size_name, dtype, repeats[size_name], 3)
            row = {"size": asdict(size), "dtype": dtype,
                   "numpy_ms": 1e3 * statistics.median(n["times"]), "torch_ms": 1e3 * statistics.median(t["times"]),
                   "numpy_peak_mb": n["peak_rss_mb_above_start"], "torch_peak_mb": t["peak_rss_mb_above_start"],
                   "torch_threads": t["threads"]}
            row["ratio"] = row["numpy_ms"] / row["torch_ms"]
            results["steps"].append(row)
            print(f"{size_name:<8}{dtype:<9}{row['numpy_ms']:>10.2f}{row['torch_ms']:>10.2f}{row['ratio']:>8.2f}"
                  f"{row['numpy_peak_mb']:>10.1f}{row['torch_peak_mb']:>10.1f}")

    print()
    for dtype in ("float64", "float32"):
        ceiling = matmul_ceiling(dtype)
        step = next(r for r in results["steps"] if r["size"]["name"] == "medium" and r["dtype"] == dtype)
        achieved = training_flops(SIZES["medium"]) / (step["numpy_ms"] / 1e3) / 1e9
        results[f"medium_{dtype}_gflops"] = achieved
        results[f"matmul_ceiling_{dtype}_gflops"] = ceiling
        print(f"medium {dtype}: {achieved:.1f} GFLOP/s achieved, ceiling {ceiling:.1f} GFLOP/s "
              f"({100 * achieved / ceiling:.0f}%)")

    greedy = _run_child("greedy", "copy", "float64", max(3, repeats["copy"] // 2), 1)
    results["greedy_sequences_per_second"] = greedy["sequences_per_second"]
    print(f"greedy decoding, copy size: {greedy['sequences_per_second']:.0f} sequences/s")

    if not args.no_notebooks:
        folder = Path(__file__).resolve().parent.parent / "notebooks"
        times = notebook_times(folder)
        results["notebook_seconds"] = times
        for name, seconds in times.items():
            print(f"{name:<36}{seconds:>7.1f} s")
        print(f"{'all notebooks':<36}{sum(times.values()):>7.1f} s")

    Path(args.json).write_text(json.dumps(results, indent=2))
    print(f"\nresults written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
