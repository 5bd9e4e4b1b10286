"""Heads regrouped from the same weights, the multiply-add count, the sqrt(d_k) experiment and
its figures."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import transformer_lib as tl
from transformer_lib.figures.attention_scale import dot_product_histograms_figure, softmax_rows_figure
from transformer_lib.lessons.attention_scale import dot_product_samples, random_scores, softmax_jacobian
from transformer_lib.lessons.heads import attention_multiply_adds, with_num_heads


@pytest.mark.parametrize("num_heads", [1, 2, 3, 6])
def test_regrouped_heads_share_the_projections(num_heads):
    rng = np.random.default_rng(1)
    base = tl.MultiHeadAttention(6, 2, rng)
    x = rng.standard_normal((1, 4, 6))
    regrouped = with_num_heads(base, num_heads)
    regrouped.forward(x, x)
    one = with_num_heads(base, 1)
    one.forward(x, x)
    assert regrouped.num_heads == num_heads and regrouped.d_k == 6 // num_heads
    for name in ("Q", "K", "V"):
        np.testing.assert_allclose(np.concatenate(list(regrouped.trace()[name][0]), axis=-1), one.trace()[name][0, 0],
                                   atol=1e-12)
    state = regrouped.state_dict()
    state["w_q.weight"][0, 0] += 1.0  # a copy: changing it leaves the original alone
    assert base.w_q.weight[0, 0] != state["w_q.weight"][0, 0]


def test_source_scale_and_paper_scale():
    base = tl.MultiHeadAttention(6, 2, np.random.default_rng(0))
    assert with_num_heads(base, 2, "d_model").scale == pytest.approx(1 / np.sqrt(6))
    assert with_num_heads(base, 2).scale == pytest.approx(1 / np.sqrt(3))
    assert with_num_heads(base, 1, "d_model").scale == with_num_heads(base, 1).scale


def test_multiply_adds_do_not_depend_on_the_number_of_heads():
    counts = [attention_multiply_adds(10, 512, h) for h in (1, 2, 8, 16)]
    assert len({c["total"] for c in counts}) == 1
    c = counts[0]
    assert c["total"] == 4 * 10 * 512 * 512 + 2 * 10 * 10 * 512
    assert c["total"] == sum(v for k, v in c.items() if k != "total")
    with pytest.raises(ValueError):
        attention_multiply_adds(3, 6, 4)


@pytest.mark.parametrize("d_k", [3, 64, 512])
def test_dot_product_variance_is_d_k(d_k):
    s = dot_product_samples(d_k, 20000, seed=1)
    assert s.shape == (20000,)
    assert abs(s.var() / d_k - 1) < 0.05 and abs((s / np.sqrt(d_k)).var() - 1) < 0.05


def test_softmax_jacobian_matches_the_backward_and_autograd():
    p = tl.softmax(random_scores(16, 5, seed=2) / 4)
    jac = softmax_jacobian(p)
    np.testing.assert_allclose(jac, tl.softmax_backward(np.eye(5), p), atol=1e-15)
    x = torch.tensor(random_scores(16, 5, seed=2) / 4, dtype=torch.float64)
    np.testing.assert_allclose(jac, torch.autograd.functional.jacobian(lambda s: torch.softmax(s, 0), x).numpy(),
                               atol=1e-14)
    one_hot = tl.softmax(random_scores(512, 8, seed=0))
    assert np.abs(softmax_jacobian(one_hot)).max() < 1e-6 < np.abs(softmax_jacobian(tl.softmax(
        random_scores(512, 8, seed=0) / np.sqrt(512)))).max()


def test_figures_draw_what_they_are_given():
    samples = {3: dot_product_samples(3, 500), 64: dot_product_samples(64, 500)}
    fig = dot_product_histograms_figure(samples)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        f"d_k = {d}: var {s.var():.1f}" for d, s in samples.items()]
    plt.close(fig)
    rows = {"a": np.array([0.5, 0.5]), "b": np.array([1.0, 0.0]), "c": np.array([0.2, 0.8])}
    fig = softmax_rows_figure(rows)
    heights = [[bar.get_height() for bar in ax.patches] for ax in fig.axes[:3]]
    assert heights == [list(r) for r in rows.values()] and not fig.axes[3].axison
    plt.close(fig)
