"""The sampling control: the bars are softmax(logits) and the package's sampling distribution,
removed tokens are greyed, the sample is the seeded draw, and the text states the setting."""

import numpy as np

from transformer_lib.figures.token_labels import drawn_label
from transformer_lib.lessons.toy import VOCAB, running_example
from transformer_lib.model.softmax import softmax
from transformer_lib.training.sampling import draw, sampling_distribution
from transformer_lib.widgets.sampling import SAMPLE_SIZE, sampling_explorer, sampling_view

LOGITS = running_example()[1]["logits"][0, 0]


def bars(view):
    heights = [bar.get_height() for bar in view.figure.axes[0].patches]
    return np.array(heights[:11]), np.array(heights[11:22])


def test_bars_are_the_softmax_and_the_reshaped_distribution():
    view = sampling_view(temperature=0.5, top_k=4, top_p=0.8, seed=2)
    original, reshaped = bars(view)
    np.testing.assert_allclose(original, softmax(LOGITS), rtol=1e-12)
    np.testing.assert_allclose(reshaped, sampling_distribution(LOGITS, 0.5, 4, 0.8), rtol=1e-12)
    greyed = [label.get_text() for label in view.figure.axes[0].get_xticklabels() if label.get_color() == "#a0a0a0"]
    assert greyed == [drawn_label(VOCAB[i]) for i in np.flatnonzero(reshaped == 0)]


def test_the_sample_is_the_seeded_draw_and_the_text_states_it():
    view = sampling_view(temperature=1.3, top_k=0, top_p=0.9, seed=5)
    sample = draw(np.tile(sampling_distribution(LOGITS, 1.3, None, 0.9), (SAMPLE_SIZE, 1)), 5)
    lines = view.text.splitlines()
    assert lines[0] == "temperature 1.30, top-k off, top-p 0.90, seed 5"
    assert lines[-1] == f"{SAMPLE_SIZE} draws: " + " ".join(VOCAB[i] for i in sample)
    share = view.figure.axes[0].lines[0].get_ydata()
    assert np.isclose(share.sum(), 1.0)


def test_defaults_leave_the_distribution_as_it_is():
    view = sampling_view()
    original, reshaped = bars(view)
    np.testing.assert_allclose(reshaped, original, rtol=1e-12)
    assert "11 of 11 tokens kept" in view.text


def test_explorer_redraws_when_the_temperature_moves():
    box = sampling_explorer()
    before = box.numbers.value
    box.children[1].children[0].value = 0.5
    assert box.numbers.value != before and "temperature 0.50" in box.numbers.value
