"""Train the running example's model on its English -> Korean language and write the weights the
package ships (transformer_lib/lessons/trained_running_example.npz), or sweep the seed.

    python tools/train_running_example.py              # train with the committed recipe, save, report
    python tools/train_running_example.py --sweep 10   # seeds 0..9: a Markdown table, nothing saved

The report gives the exact-match rates of greedy translations (training and held-out pairs) and
the cross-attention weight that the rows predicting each Korean word put on the English word it
translates. Run it on one BLAS thread (OMP_NUM_THREADS=1) for the timings the README quotes."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from transformer_lib import Transformer
from transformer_lib.lessons import toy, translation
from transformer_lib.training.checkpoint import save_weights

CHECKPOINT = Path(translation.__file__).with_name(toy.CHECKPOINT)


def train_and_measure(seed: int) -> tuple[Transformer, translation.Behaviour, float, float]:
    """Train from `seed` with the committed recipe -> (model, behaviour, final loss, seconds)."""
    start = time.perf_counter()
    model, log = translation.train_running_example(seed=seed)
    seconds = time.perf_counter() - start
    return model, translation.measure(model), log.losses[-1], seconds


def report(behaviour: translation.Behaviour) -> str:
    """The behaviour as lines of text."""
    rows = ("naneun <- I", "goyangireul <- cats", "joahae <- love")
    lines = [f"exact translations: training {behaviour.training:.1%}, held-out {behaviour.held_out:.1%}",
             "cross-attention on the translated English word (row that predicts <- word it reads):"]
    for row, name in enumerate(rows):
        heads = ", ".join(f"head {h + 1} {w:.2f}" for h, w in enumerate(behaviour.lecture_alignment[:, row]))
        lines.append(f"  I love cats, {name:20s} {heads}; all 216 sentences, mean of heads "
                     f"{behaviour.corpus_alignment[row]:.2f}")
    return "\n".join(lines)


def sweep(seeds: int):
    """Lines of a Markdown table of the recipe's behaviour for seeds 0 .. seeds - 1, each
    yielded as soon as its seed is trained."""
    yield ("| seed | training exact | held-out exact | goyangireul row on cats (head 1, 2) | "
           "joahae row on love (head 1, 2) | all sentences: object row, verb row | final loss | seconds |")
    yield "| ---: | ---: | ---: | :---: | :---: | :---: | ---: | ---: |"
    for seed in range(seeds):
        _, b, loss, seconds = train_and_measure(seed)
        obj, verb = b.lecture_alignment[:, 1], b.lecture_alignment[:, 2]
        yield (f"| {seed} | {b.training:.0%} | {b.held_out:.0%} | {obj[0]:.2f}, {obj[1]:.2f} | "
               f"{verb[0]:.2f}, {verb[1]:.2f} | {b.corpus_alignment[1]:.2f}, {b.corpus_alignment[2]:.2f} | "
               f"{loss:.4f} | {seconds:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sweep", type=int, metavar="N", help="train seeds 0..N-1 and print a table (saves nothing)")
    args = parser.parse_args()
    if args.sweep:
        for line in sweep(args.sweep):
            print(line, flush=True)
        return
    model, behaviour, loss, seconds = train_and_measure(translation.TRAINING_SEED)
    save_weights(model, CHECKPOINT)
    start = time.perf_counter()
    loaded = toy.trained_model()
    load_ms = 1000 * (time.perf_counter() - start)
    same = all(np.array_equal(v, model.state_dict()[k]) for k, v in loaded.state_dict().items())
    print(f"trained {translation.TRAINING_STEPS} steps in {seconds:.1f} s, final loss {loss:.4f}")
    print(f"wrote {CHECKPOINT.name} ({CHECKPOINT.stat().st_size} bytes); loaded back in {load_ms:.1f} ms, "
          f"{'identical' if same else 'DIFFERENT'} weights")
    print(report(behaviour))


if __name__ == "__main__":
    main()
