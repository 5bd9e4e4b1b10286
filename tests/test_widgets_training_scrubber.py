"""The training scrubber: one snapshot per slider stop, weights that are probability rows, a
later step that shows different maps from step 0, and a figure that draws the snapshot's data."""

from dataclasses import replace

import numpy as np
import pytest
from drawn import drawn_matrices

import transformer_lib as tl
from transformer_lib import reversal as rv
from transformer_lib.figures.training import attention_heads_figure
from transformer_lib.lessons.snapshots import AttentionRecorder
from transformer_lib.training.loop import train
from transformer_lib.widgets.training_scrubber import scrubber_data, training_scrubber_explorer, training_scrubber_view


@pytest.fixture(scope="module")
def snapshots():
    config = replace(rv.reversal_config("float64"), d_model=8, num_heads=2, d_ff=16, num_encoder_layers=1)
    model = tl.Transformer(config, seed=0)
    task = rv.ReversalTask(seed=0, batch_size=16, validation_size=5, test_size=5)
    example = rv.reversal_batch(np.array([[3, 4, 5, 6, 0, 0]]))  # "a b c d": src a b c d <eos>
    recorder = AttentionRecorder(model, example.src[0, :5], example.tgt_in[0, :5], example.tgt_out[0, :5], every=4)
    train(model, tl.Adam(model, lr=0.02), tl.CrossEntropyLoss(ignore_index=rv.PAD_ID), task.next_batch, steps=12,
          callback=recorder)
    return recorder.snapshots


def test_one_snapshot_per_slider_stop(snapshots):
    assert snapshots.steps == [0, 4, 8, 12] and len(snapshots) == 4
    box = training_scrubber_explorer(snapshots)
    slider, layer = box.children[1].children
    assert (slider.min, slider.max, slider.step) == (0, 12, 4)
    assert len(range(slider.min, slider.max + 1, slider.step)) == len(snapshots)
    assert layer.value == 1 and [v for _, v in layer.options] == [0, 1]


def test_weights_are_probability_rows_and_the_figure_draws_them(snapshots):
    for step in snapshots.steps:
        view = training_scrubber_view(step=step, layer=1, snapshots=snapshots)
        d = scrubber_data(snapshots, step, 1)
        assert d["weights"].shape == (2, 5, 5)
        np.testing.assert_allclose(d["weights"].sum(axis=-1), 1.0, atol=1e-12)
        drawn = drawn_matrices(view.figure)
        assert len(drawn) == 2
        for h in range(2):
            np.testing.assert_array_equal(drawn[h], d["weights"][h])
        assert view.text.startswith(f"step {step} of 12 (snapshot {snapshots.steps.index(step) + 1} of 4)")


def test_a_later_step_shows_other_maps_than_step_0(snapshots):
    first, last = training_scrubber_view(step=0, snapshots=snapshots), training_scrubber_view(step=12, snapshots=snapshots)
    assert first.text != last.text
    before, after = scrubber_data(snapshots, 0, 1), scrubber_data(snapshots, 12, 1)
    assert np.abs(after["weights"] - before["weights"]).max() > 1e-3
    assert after["loss"] < before["loss"]


def test_steps_between_snapshots_show_the_last_one_before(snapshots):
    assert scrubber_data(snapshots, 7, 0)["step"] == 4
    np.testing.assert_array_equal(scrubber_data(snapshots, 7, 0)["weights"], snapshots.weights[
        "decoder.layers.0.cross_attn.weights"][1])


def test_mirror_weight_is_the_mean_weight_on_the_mirrored_source_position(snapshots):
    d = scrubber_data(snapshots, 12, 1)
    mirror = [3, 2, 1, 0]  # a b c d <eos>: decoder positions 0 .. 3 output d c b a
    np.testing.assert_allclose(d["mirror_weight"], d["weights"][:, range(4), mirror].mean(axis=-1))
    view = training_scrubber_view(step=12, layer=1, snapshots=snapshots)
    assert "expected:  d c b a <eos>" in view.text and "source:    a b c d <eos>" in view.text


def test_explorer_redraws(snapshots):
    box = training_scrubber_explorer(snapshots, layer=0)
    slider, layer = box.children[1].children
    before_text, before_image = box.numbers.value, box.image.value
    slider.value = 12
    assert box.numbers.value.startswith("<pre") and "step 12 of 12" in box.numbers.value
    assert box.image.value != before_image
    layer.value = 1
    assert "layer 2" in box.numbers.value and box.numbers.value != before_text


def test_the_live_scrubber_updates_one_figure_and_draws_the_pure_view(snapshots):
    from test_widgets_live import assert_live_control_shows_its_pure_view

    def from_scratch(s):
        """The snapshot's maps drawn by `attention_heads_figure` on a new figure, its layout left
        to the live figure's (constrained layout would place it again at every draw)."""
        d = scrubber_data(snapshots, s["step"], s["decoder layer"])
        figure = attention_heads_figure(d["weights"], rv.token_names(snapshots.tgt_in), rv.token_names(snapshots.src),
                                        head_titles=[f"head {h + 1}: {w:.2f} on mirror"
                                                     for h, w in enumerate(d["mirror_weight"])],
                                        title=f"decoder layer {s['decoder layer'] + 1} cross-attention after step "
                                              f"{d['step']} of 12 (example loss {d['loss']:.4f})")
        figure.set_layout_engine("none")
        return figure

    changes = [("step", 8), ("decoder layer", 0), ("step", 12), ("step", 0), ("decoder layer", 1), ("step", 4)]
    assert_live_control_shows_its_pure_view(
        lambda: training_scrubber_explorer(snapshots), set(), changes,
        lambda s: training_scrubber_view(s["step"], s["decoder layer"], snapshots=snapshots), scratch=from_scratch)
