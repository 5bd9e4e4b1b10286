"""The masked-decoder explorer: with the causal mask a changed token leaves the outputs before
it exactly unchanged and the weights above the diagonal exactly zero; without it every output
moves. The figure shows the numbers the data function computes."""

import numpy as np
import pytest
from drawn import drawn_matrices

from transformer_lib import toy
from transformer_lib.widgets.masked_decoder import (
    decoder_run,
    masked_decoder_data,
    masked_decoder_explorer,
    masked_decoder_view,
)

T = len(toy.DECODER_INPUT_IDS)



def figure_panels(view):
    """The matrices drawn: head 1 weights, head 2 weights, |change| of the decoder output."""
    return drawn_matrices(view.figure)


def test_masked_run_is_the_models_own_decoder():
    model = toy.toy_model(seed=0)
    model.forward(toy.SOURCE_IDS[None], toy.DECODER_INPUT_IDS[None])
    trace = model.trace()
    run = decoder_run(toy.DECODER_INPUT_IDS, masked=True)
    np.testing.assert_array_equal(run["output"], trace["decoder_output"][0])
    np.testing.assert_array_equal(run["weights"], trace["decoder.layers.0.self_attn.weights"][0])


@pytest.mark.parametrize("position", range(T))
@pytest.mark.parametrize("new_token", [0, 3, 7, 10])
def test_with_the_mask_earlier_outputs_do_not_move(position, new_token):
    d = masked_decoder_data(position, new_token, masked=True)
    if new_token == toy.DECODER_INPUT_IDS[position]:
        assert not d["moved"].any() and np.all(d["change"] == 0.0)
        return
    np.testing.assert_array_equal(d["changed_output"][:position], d["output"][:position])
    assert np.all(d["max_change"][:position] == 0.0) and not d["moved"][:position].any()
    assert d["moved"][position:].all() and np.all(d["max_change"][position:] > 0)
    upper = np.triu(np.ones((T, T), dtype=bool), k=1)
    assert np.all(d["weights"][:, upper] == 0.0)
    assert np.all(np.isneginf(d["masked_scores"][:, upper])) and np.all(np.isfinite(d["masked_scores"][:, ~upper]))
    np.testing.assert_allclose(d["weights"].sum(axis=-1), 1.0, atol=1e-12)


@pytest.mark.parametrize("position", range(T))
def test_without_the_mask_every_output_moves(position):
    d = masked_decoder_data(position, 10, masked=False)
    assert d["moved"].all() and np.all(d["max_change"] > 1e-3)
    assert np.all(d["weights"] > 0) and np.all(np.isfinite(d["masked_scores"]))


def test_figure_and_text_show_the_data():
    for masked in (True, False):
        view = masked_decoder_view(2, 10, masked)
        d = masked_decoder_data(2, 10, masked)
        head1, head2, change = figure_panels(view)
        np.testing.assert_array_equal(head1, d["weights"][0])
        np.testing.assert_array_equal(head2, d["weights"][1])
        np.testing.assert_array_equal(change, d["change"])
        assert f"causal mask: {'on' if masked else 'off'}" in view.text
        for t in range(T):
            verdict = "moved" if d["moved"][t] else "unchanged"
            assert f"position {t} (" in view.text and f"max |change| {d['max_change'][t]:.4f}  {verdict}" in view.text
        assert view.png()[:4] == b"\x89PNG"
    masked_text = masked_decoder_view(2, 10, True).text
    assert "position 0 (<bos>): max |change| 0.0000  unchanged" in masked_text
    assert "position 1 (naneun): max |change| 0.0000  unchanged" in masked_text
    assert "position 0 (<bos>): max |change| 0.0000  unchanged" not in masked_decoder_view(2, 10, False).text


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="changed_position"):
        masked_decoder_data(3)
    with pytest.raises(ValueError, match="new_token"):
        masked_decoder_data(0, 11)


def test_explorer_controls_redraw():
    box = masked_decoder_explorer()
    mask, position, token, weights = box.children[1].children
    assert weights.description == "weights"
    assert (mask.description, position.description, token.description) == ("causal mask", "position to change",
                                                                           "new token")
    assert [label for label, _ in token.options] == list(toy.VOCAB)
    before_text, before_image = box.numbers.value, box.image.value
    mask.value = False
    assert "causal mask: off" in box.numbers.value and box.image.value != before_image
    position.value, token.value = 0, 7
    assert "position 0: &lt;bos&gt; -&gt; dogs" in box.numbers.value and box.numbers.value != before_text
