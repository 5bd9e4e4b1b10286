import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib.exercises import nb06
from transformer_lib.lessons.toy import SOURCE_IDS, toy_model


def running_example():
    model = toy_model(seed=0)
    model.encode(SOURCE_IDS[None])
    return model.trace(), model.encoder.layers[0].ffn


def test_d_ff():
    assert nb06.check_d_ff(4096).passed and nb06.check_d_ff(4 * 1024).passed and nb06.check_d_ff(4096.0).passed
    for answer, words in [(1024, "d_model itself"), (2048, "base model"), (24, "toy"), (256, "wider"),
                          (1000, "not 1,000"), ("4096", "whole number"), (..., "Not attempted"), (True, "whole number")]:
        result = nb06.check_d_ff(answer)
        assert not result.passed and words in result.message, answer


def test_ffn_parameters():
    d, f = 1024, 4096
    solution = d * f + f + f * d + d
    assert tl.FeedForward(d, f, np.random.default_rng(0), dtype=np.float32).num_parameters() == solution == 8_393_728
    assert nb06.check_ffn_parameters(solution).passed
    for answer, words in [(2 * d * f, "weights only"), (2 * d * f + f, "b1 only"), (2 * d * f + d, "b2 only"),
                          (d * f + f, "one layer"), (2_099_712, "base model"), (12.5, "whole number"),
                          ([1], "whole number"), (None, "Not attempted")]:
        result = nb06.check_ffn_parameters(answer)
        assert not result.passed and words in result.message, answer


def test_off_units_accepts_indices_and_masks():
    trace, _ = running_example()
    row = trace["encoder.layers.0.ffn.hidden"][0, 2]
    assert nb06.check_off_units(np.flatnonzero(row <= 0)).passed
    assert nb06.check_off_units(list(np.flatnonzero(trace["encoder.layers.0.ffn.activated"][0, 2] == 0))).passed
    assert nb06.check_off_units(row <= 0).passed
    assert nb06.check_off_units(sorted(np.flatnonzero(row <= 0), reverse=True)).passed


def test_off_units_rejects():
    trace, _ = running_example()
    hidden = trace["encoder.layers.0.ffn.hidden"][0]
    off = np.flatnonzero(hidden[2] <= 0)
    for answer, words in [
        (np.flatnonzero(hidden[2] > 0), "stay on"),
        (np.flatnonzero(hidden[0] <= 0), "another token"),
        (off[:-1], "missing"),
        (np.append(off, [1]), "not off"),
        (hidden[2] <= 0.16, "not off"),
        (np.ones(10, dtype=bool), "one entry per hidden unit"),
        ([30], "numbered 0 to 23"),
        (hidden[2], "whole numbers"),
        ("0 5 7", "whole numbers"),
        (3, "whole numbers"),
        (..., "Not attempted"),
    ]:
        result = nb06.check_off_units(answer)
        assert not result.passed and words in result.message, answer


def test_ffn_by_hand():
    trace, ffn = running_example()
    x = trace["encoder.layers.0.add_norm_1"][0, 2]
    w1, b1, w2, b2 = ffn.linear1.weight, ffn.linear1.bias, ffn.linear2.weight, ffn.linear2.bias
    solution = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    assert nb06.check_ffn_by_hand(solution).passed
    np.testing.assert_allclose(solution, trace["encoder.layers.0.ffn_sum"][0, 2] - x, atol=1e-12)
    for answer, words in [
        ((x @ w1 + b1) @ w2 + b2, "skipped the ReLU"),
        (np.maximum(solution, 0), "second layer too"),
        (np.maximum(trace["encoder.layers.0.add_norm_1"][0, 0] @ w1 + b1, 0) @ w2 + b2, "expected"),
        (np.maximum(x @ w1 + b1, 0), "shape"),
        ("abc", "array of numbers"),
        (..., "Not attempted"),
    ]:
        result = nb06.check_ffn_by_hand(answer)
        assert not result.passed and words in result.message, words


@pytest.mark.parametrize("checker", [nb06.check_d_ff, nb06.check_ffn_parameters, nb06.check_off_units,
                                     nb06.check_ffn_by_hand])
def test_checkers_never_raise(checker):
    for answer in [object(), {}, [[1, 2], [3]], float("nan"), -1, b"x"]:
        assert not checker(answer).passed
