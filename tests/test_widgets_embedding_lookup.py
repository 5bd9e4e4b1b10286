"""The embedding-lookup explorer: the chosen tokens select the matching rows of the toy table,
the one-hot product gives the same numbers, the scale switch multiplies by sqrt(6), and the
menus redraw the view."""

import numpy as np
import pytest
from drawn import drawn_matrices

from transformer_lib import toy
from transformer_lib.figures.embedding_lookup import embedding_gradient_figure
from transformer_lib.widgets.embedding_lookup import (
    embedding_lookup_data,
    embedding_lookup_explorer,
    embedding_lookup_view,
)


def drawn(view):
    return drawn_matrices(view.figure)


def test_default_is_the_models_source_embedding():
    model = toy.toy_model(seed=0)
    model.encode(toy.SOURCE_IDS[None])
    d = embedding_lookup_data()
    np.testing.assert_array_equal(d["vectors"], model.trace()["src_embedding"][0])
    np.testing.assert_allclose(d["product"], d["vectors"], atol=1e-12)


@pytest.mark.parametrize("ids", [(5, 8, 9), (9, 8, 9), (0, 10, 1)])
@pytest.mark.parametrize("scale", [True, False])
def test_chosen_tokens_select_their_rows(ids, scale):
    d = embedding_lookup_data(ids, scale)
    multiplier = np.sqrt(6) if scale else 1.0
    np.testing.assert_array_equal(np.argmax(d["one_hot"], axis=1), ids)
    assert d["one_hot"].sum() == 3
    np.testing.assert_allclose(d["vectors"], d["table"][list(ids)] * multiplier, atol=1e-12)
    np.testing.assert_allclose(d["product"], d["vectors"], atol=1e-12)
    one_hot, table, vectors = drawn(embedding_lookup_view(*ids, scale=scale))
    np.testing.assert_array_equal(one_hot, d["one_hot"])
    np.testing.assert_array_equal(table, d["table"])
    np.testing.assert_array_equal(vectors, d["vectors"])


def test_changing_a_token_changes_only_its_row():
    a, b = embedding_lookup_data((5, 8, 9)), embedding_lookup_data((5, 8, 7))
    np.testing.assert_array_equal(a["vectors"][:2], b["vectors"][:2])
    assert not np.allclose(a["vectors"][2], b["vectors"][2])


def test_text():
    text = embedding_lookup_view().text
    assert "sentence: I love cats  (ids 5 8 9)" in text and "x 2.4495" in text
    assert "one-hot @ table x scale = lookup: True" in text and "repeated" not in text
    assert "repeated token(s) cats" in embedding_lookup_view(9, 8, 9).text
    assert "x 1.0000 (none)" in embedding_lookup_view(scale=False).text


def test_bad_ids_are_refused():
    with pytest.raises(ValueError, match="token ids"):
        embedding_lookup_data((5, 8, 11))


def test_gradient_figure_outlines_the_rows_read():
    grad = np.zeros((11, 6))
    grad[[5, 8]] = 1.0
    fig = embedding_gradient_figure([5, 8, 8], np.ones((3, 6)), grad, toy.VOCAB, ["a", "b", "c"],
                                    [f"f{i}" for i in range(6)])
    boxes = sorted(int(p.get_y() + 0.5) for p in fig.axes[1].patches)
    assert boxes == [5, 8]
    np.testing.assert_array_equal(np.asarray(fig.axes[1].images[0].get_array()), grad)


def test_explorer_controls_redraw():
    box = embedding_lookup_explorer()
    first, second, third, scale = box.children[1].children
    assert [third.value, scale.value] == [9, True]
    before = box.image.value
    third.value = 7
    assert "sentence: I love dogs" in box.numbers.value and box.image.value != before
    scale.value = False
    assert "x 1.0000 (none)" in box.numbers.value
    first.value = 7
    assert "repeated token(s) dogs" in box.numbers.value
