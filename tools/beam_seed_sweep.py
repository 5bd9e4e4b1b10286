"""Greedy decoding against beam search on chapter 13's partly trained reversal model, for several seeds.

    python tools/beam_seed_sweep.py                  # seeds 0 to 5, 200 steps (chapter 13's model)
    python tools/beam_seed_sweep.py --seeds 0 --steps 20

Seed s trains chapter 12's recipe (`train_reversal(steps, seed=s)`, one BLAS thread, as the chapter
does) and decodes the 500 held-out sequences of that seed's task twice: greedily, and with a beam
of width 4 and length penalty alpha = 0.6 (the paper's settings). It counts the sequences each
gets exactly right, and those only one of them gets right. Chapter 13 states the range of these
counts over seeds 0 to 5: a run on another processor, or with another seed, moves each count,
and the chapter's claim is that the beam comes out ahead in every run.

Prints a Markdown table and exits with status 1 if greedy decoding is right as often as the beam,
or more often, for some seed."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from threadpoolctl import threadpool_limits

from transformer_lib.lessons.reversal_training import PARTLY_TRAINED_STEPS, greedy_and_beam_right, train_reversal
from transformer_lib.training.loop import Batch


@dataclass(frozen=True)
class Comparison:
    """Held-out sequences reversed exactly by greedy decoding and by the beam, and by only one of them."""

    seed: int
    sequences: int
    greedy: int
    beam: int
    only_beam: int
    only_greedy: int

    @property
    def beam_ahead(self) -> bool:
        return self.beam > self.greedy


def compare(seed: int, steps: int = PARTLY_TRAINED_STEPS, sequences: int | None = None) -> Comparison:
    """Train `steps` steps of chapter 12's recipe with `seed`, then decode its held-out set (the
    first `sequences` of it, default all) both ways, with one BLAS thread as the chapter does."""
    with threadpool_limits(limits=1, user_api="blas"):
        run = train_reversal(steps=steps, seed=seed)
        held_out = run.task.held_out_batch()
        first = Batch(held_out.src[:sequences], held_out.tgt_in[:sequences], held_out.tgt_out[:sequences])
        greedy_right, beam_right = greedy_and_beam_right(run.model, first)
    return Comparison(seed, len(greedy_right), int(greedy_right.sum()), int(beam_right.sum()),
                      int((beam_right & ~greedy_right).sum()), int((greedy_right & ~beam_right).sum()))


def table(rows: list[Comparison], steps: int) -> str:
    """The comparisons as a Markdown table, with the range of each count below."""
    lines = [f"| seed | greedy right | beam right | only the beam | only greedy | beam ahead by (after {steps} steps) |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r.seed} | {r.greedy} of {r.sequences} | {r.beam} | {r.only_beam} | {r.only_greedy} "
                     f"| {r.beam - r.greedy} |")
    spans = {name: [getattr(r, name) for r in rows] for name in ("only_beam", "only_greedy")}
    ahead = [r.beam - r.greedy for r in rows]
    lines.append("")
    lines.append(f"beam ahead in {sum(r.beam_ahead for r in rows)} of {len(rows)} seeds, by {min(ahead)} to "
                 f"{max(ahead)}; only the beam {min(spans['only_beam'])} to {max(spans['only_beam'])}; "
                 f"only greedy {min(spans['only_greedy'])} to {max(spans['only_greedy'])}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(6)), help="seeds (default 0 to 5)")
    parser.add_argument("--steps", type=int, default=PARTLY_TRAINED_STEPS,
                        help=f"training steps (default {PARTLY_TRAINED_STEPS}, chapter 13's)")
    args = parser.parse_args(argv)
    rows = []
    for seed in args.seeds:
        rows.append(compare(seed, args.steps))
        print(f"seed {seed} done", file=sys.stderr, flush=True)
    print(table(rows, args.steps))
    return 0 if all(r.beam_ahead for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
