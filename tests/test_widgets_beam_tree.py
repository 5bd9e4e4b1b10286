"""The beam-tree control: the tree shows the search's kept, finished and pruned hypotheses with
the recorded log-probabilities, the step slider draws the columns up to that step, the returned
output's path is highlighted at the end, and the text states the setting and both outputs."""

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib.figures.beam_tree import (
    BEST_COLOR,
    FINISHED_COLOR,
    KEPT_COLOR,
    PRUNED_COLOR,
    beam_tree_figure,
    node_prefix,
    step_nodes,
)
from transformer_lib.lessons import toy
from transformer_lib.lessons.beam_example import hand_beam_search
from transformer_lib.lessons.toy import VOCAB
from transformer_lib.training.beam import beam_decode
from transformer_lib.widgets.base import canvas_png, laid_out
from transformer_lib.widgets.beam_tree import (
    beam_tree_explorer,
    beam_tree_layout,
    beam_tree_view,
    model_search,
    show_beam_tree,
)


def node_texts(figure):
    return [t.get_text() for t in figure.axes[0].texts]


def highlighted_labels(figure):
    return [t.get_text().split("\n")[0] for t in figure.axes[0].texts
            if t.get_bbox_patch() is not None and t.get_bbox_patch().get_edgecolor()[:3] == _rgb(BEST_COLOR)]


def _rgb(hex_color):
    return tuple(int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5))


@pytest.mark.parametrize("width, alpha", [(1, 0.0), (2, 0.0), (2, 1.0), (4, 1.5)])
def test_every_drawn_node_is_a_candidate_of_the_search(width, alpha):
    result = hand_beam_search(width, alpha)
    for t, record in enumerate(result.steps, start=1):
        nodes = step_nodes(result, t)
        assert [n["log_prob"] for n in nodes] == sorted((n["log_prob"] for n in nodes), reverse=True)
        kept = [n for n in nodes if n["kind"] == "kept"]
        assert len(kept) == int(np.isfinite(record.log_probs[0]).sum())
        for n in nodes:
            assert n["log_prob"] == record.candidates[0, n["parent"], n["token"]]
        kth_best = np.sort(record.candidates[0].ravel())[::-1][width - 1]
        for n in (n for n in nodes if n["kind"] == "pruned"):
            if n["token"] == toy.EOS_ID:  # an ending outside the best `width` candidates is dropped
                assert n["log_prob"] <= kth_best
            else:  # any other pruned candidate ranks below the beam's last
                assert n["log_prob"] <= min(k["log_prob"] for k in kept)


def test_the_returned_path_is_highlighted_only_at_the_end():
    result = hand_beam_search(2, 1.0)
    final = beam_tree_figure(result, VOCAB)
    assert highlighted_labels(final) == ["나는", "고양이를", "좋아해", "<eos>"]  # the Korean words in Hangul
    partway = beam_tree_figure(result, VOCAB, step=2)
    assert highlighted_labels(partway) == []
    assert not any("step 3" in text for text in node_texts(partway))
    assert "좋아해\n-1.82" in node_texts(final) and "<eos>\n-1.82 / lp = -1.21" in node_texts(final)
    final.canvas.draw()  # every glyph drawn (a missing one is an error in this suite)


def test_node_prefix_follows_the_parents():
    result = hand_beam_search(2, 1.0)
    last = step_nodes(result, 4)
    best = max((n for n in last if n["kind"] == "finished"), key=lambda n: n["score"])
    names = [VOCAB[t] for t in node_prefix(result, 4, best)]
    assert names == ["naneun", "goyangireul", "joahae", "<eos>"]


def test_view_text_states_the_setting_the_beam_and_both_outputs():
    view = beam_tree_view(width=2, alpha=0.0, step=2)
    lines = view.text.splitlines()
    assert lines[0] == "beam width 2, alpha 0.00, step 2 of 3"
    assert "  goyangireul joahae                   log P -1.4917" in lines
    assert "  naneun <eos>                         log P -1.6094, score log P / lp(2) = -1.6094" in lines
    assert lines[-2] == "returned: naneun <eos>  (P 0.2000, score -1.6094)"
    assert lines[-1] == "greedy:   goyangireul joahae <eos>  (P 0.1350)"
    penalised = beam_tree_view(width=2, alpha=1.0)
    assert "returned: naneun goyangireul joahae <eos>  (P 0.1620, score -1.2134)" in penalised.text
    assert "(the search ended after step 3)" in beam_tree_view(width=2, alpha=0.0, step=4).text


def test_figure_fits_the_page():
    figure = beam_tree_view(width=4, alpha=1.5).figure
    width, height = figure.get_size_inches() * figure.dpi
    assert width <= 1000 and height <= 1000
    assert min(t.get_fontsize() for t in figure.axes[0].texts) >= 8


def test_model_search_runs_beam_decode_once_per_setting():
    config = tl.TransformerConfig(src_vocab_size=9, tgt_vocab_size=7, d_model=8, num_heads=2, d_ff=16, max_len=6)
    model = tl.Transformer(config, seed=0)
    search = model_search(model, np.array([5, 8, 3]), bos_id=2, eos_id=4, max_len=5)
    first = search(3, 0.6)
    assert search(3, 0.6) is first
    expected = beam_decode(model, np.array([[5, 8, 3]]), 2, 5, 3, 0.6, 4)
    np.testing.assert_array_equal(first.sequences, expected.sequences)
    view = beam_tree_view(3, 0.6, search=search, names=[str(i) for i in range(7)])
    assert view.text.startswith("beam width 3, alpha 0.60")


def test_explorer_redraws_when_a_slider_moves():
    box = beam_tree_explorer()
    before = box.numbers.value
    controls = box.children[1].children  # title, then the row of sliders
    controls[1].value = 1.0  # alpha
    assert box.numbers.value != before and "alpha 1.00" in box.numbers.value
    controls[0].value = 1
    assert "beam width 1" in box.numbers.value


def test_a_search_of_another_height_resizes_the_live_figure_and_lays_it_out_again():
    """A figure laid out for beam width 1 (2 nodes in its fullest step) showing width 4 (7
    nodes) grows to that search's height, and draws what the pure view of width 4 draws."""
    from test_widgets_live import assert_same_picture

    figure = laid_out(beam_tree_layout(1))
    short = figure.get_figheight()
    text = show_beam_tree(figure, 4, 1.5, 2)
    view = beam_tree_view(4, 1.5, 2)
    assert figure.get_figheight() == view.figure.get_figheight() > short
    assert text == view.text
    assert_same_picture(canvas_png(figure), view.png())


def test_the_tree_colours_stay_apart_with_colour_vision_deficiencies():
    from test_colour_vision import APART, SIMULATIONS, closest_pair

    for vision in SIMULATIONS:
        assert closest_pair([KEPT_COLOR, FINISHED_COLOR, PRUNED_COLOR, BEST_COLOR], vision) > APART, vision
