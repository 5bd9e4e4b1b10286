"""The write-it-yourself exercises of chapters 06 to 09 (the feed-forward network, an encoder
layer, the causal mask and the shift to the right, a decoder layer): their solutions written as
a reader would (which test_exercises_write_it_yourself runs through every exercise's common
checks), independent references that agree, and wrong functions written independently of the
checkers' lists, diagnosed."""

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib.exercises import nb06, nb07, nb08, nb09
from transformer_lib.exercises.implement import Case


def feed_forward(x, w1, b1, w2, b2):
    return np.maximum(x @ w1 + b1, 0) @ w2 + b2


def encoder_layer(x, self_attention, feed_forward, norm1, norm2):
    h = norm1(x + self_attention(x, x))
    return norm2(h + feed_forward(h))


def causal_mask(length):
    rows, columns = np.indices((length, length))
    return columns > rows


def shift_right(target, bos_id):
    out = np.empty_like(target)
    out[:, 0] = bos_id
    out[:, 1:] = target[:, :-1]
    return out


def decoder_layer(y, memory, self_attention, cross_attention, feed_forward, norm1, norm2, norm3):
    h1 = norm1(y + self_attention(y, y, tl.causal_mask(y.shape[1])))
    h2 = norm2(h1 + cross_attention(h1, memory))
    return norm3(h2 + feed_forward(h2))


EXERCISES = {
    "06 feed-forward": (nb06.feed_forward_exercise, nb06.check_feed_forward, feed_forward),
    "07 encoder layer": (nb07.encoder_layer_exercise, nb07.check_encoder_layer, encoder_layer),
    "08 causal mask": (nb08.causal_mask_exercise, nb08.check_causal_mask_function, causal_mask),
    "08 shift right": (nb08.shift_right_exercise, nb08.check_shift_right_function, shift_right),
    "09 decoder layer": (nb09.decoder_layer_exercise, nb09.check_decoder_layer, decoder_layer),
}


@pytest.mark.parametrize("name", EXERCISES)
def test_every_case_is_checked_against_two_references_that_agree(name):
    """The references are independent computations (the package, PyTorch's own modules); each
    exercise has at least the package's, and where there is a PyTorch counterpart both agree."""
    exercise, _, _ = EXERCISES[name]
    references = exercise().references
    assert references[0].name.startswith("the package's")
    for case in exercise().cases:
        values = [np.asarray(reference.function(*case.fresh_inputs())) for reference in references]
        for value in values[1:]:
            np.testing.assert_allclose(value.astype(float), values[0].astype(float), atol=1e-10)


def test_the_cases_include_the_running_example():
    for name, (exercise, _, _) in EXERCISES.items():
        assert any("running example" in case.label for case in exercise().cases), name


def test_feed_forward_written_with_typical_slips():
    def relu_on_both(x, w1, b1, w2, b2):
        return np.maximum(np.maximum(x @ w1 + b1, 0) @ w2 + b2, 0)

    def weights_transposed(x, w1, b1, w2, b2):
        return np.maximum(x @ w1.T + b1, 0) @ w2.T + b2

    def sigmoid_instead_of_relu(x, w1, b1, w2, b2):
        return 1 / (1 + np.exp(-(x @ w1 + b1))) @ w2 + b2

    def as_float32(x, w1, b1, w2, b2):
        return feed_forward(x, w1, b1, w2, b2).astype(np.float32)

    assert "after the second layer too" in nb06.check_feed_forward(relu_on_both).message
    assert "used transposed" in nb06.check_feed_forward(weights_transposed).message
    message = nb06.check_feed_forward(sigmoid_instead_of_relu).message
    assert message.startswith("Not yet: On a square FFN") and "expected" in message
    assert "y has dtype float32, expected float64" in nb06.check_feed_forward(as_float32).message


def test_encoder_layer_written_with_typical_slips():
    def norm_then_add(x, self_attention, feed_forward, norm1, norm2):
        h = x + norm1(self_attention(x, x))
        return h + norm2(feed_forward(h))

    def pre_norm(x, self_attention, feed_forward, norm1, norm2):
        n = norm1(x)
        h = x + self_attention(n, n)
        return h + feed_forward(norm2(h))

    def second_residual_from_x(x, self_attention, feed_forward, norm1, norm2):
        h = norm1(x + self_attention(x, x))
        return norm2(x + feed_forward(h))

    def feed_forward_on_x(x, self_attention, feed_forward, norm1, norm2):  # not in the list of known mistakes
        h = norm1(x + self_attention(x, x))
        return norm2(h + feed_forward(x))

    assert "normalised before the residual" in nb07.check_encoder_layer(norm_then_add).message
    assert "pre-norm" in nb07.check_encoder_layer(pre_norm).message
    assert "adds the layer's input x" in nb07.check_encoder_layer(second_residual_from_x).message
    message = nb07.check_encoder_layer(feed_forward_on_x).message
    assert message.startswith("Not yet: On the running example's layer") and "expected" in message


def test_causal_mask_and_shift_written_with_typical_slips():
    def diagonal_hidden(length):
        rows, columns = np.indices((length, length))
        return columns >= rows

    def hides_the_past(length):
        rows, columns = np.indices((length, length))
        return columns < rows

    def as_list(length):
        return causal_mask(length).tolist()

    def roll_right(target, bos_id):  # np.roll moves <eos> to the front instead of <bos>
        return np.roll(target, 1, axis=1)

    def drops_first(target, bos_id):
        return np.concatenate([np.full((len(target), 1), bos_id), target[:, 1:]], axis=1)

    def no_bos(target, bos_id):
        return target[:, :-1]

    assert "k=0" in nb08.check_causal_mask_function(diagonal_hidden).message
    assert "transposed" in nb08.check_causal_mask_function(hides_the_past).message
    assert "mask should be a NumPy array, got a list" in nb08.check_causal_mask_function(as_list).message
    message = nb08.check_shift_right_function(roll_right).message
    assert "decoder_input[0, 0] is 4, expected 2" in message
    assert "the first token is dropped" in nb08.check_shift_right_function(drops_first).message
    assert "<bos> is missing in front" in nb08.check_shift_right_function(no_bos).message


def test_decoder_layer_written_with_typical_slips():
    def unmasked(y, memory, self_attention, cross_attention, feed_forward, norm1, norm2, norm3):
        h1 = norm1(y + self_attention(y, y))
        h2 = norm2(h1 + cross_attention(h1, memory))
        return norm3(h2 + feed_forward(h2))

    def keys_from_decoder(y, memory, self_attention, cross_attention, feed_forward, norm1, norm2, norm3):
        h1 = norm1(y + self_attention(y, y, tl.causal_mask(y.shape[1])))
        h2 = norm2(h1 + cross_attention(h1, h1))
        return norm3(h2 + feed_forward(h2))

    def queries_from_memory(y, memory, self_attention, cross_attention, feed_forward, norm1, norm2, norm3):
        h1 = norm1(y + self_attention(y, y, tl.causal_mask(y.shape[1])))
        h2 = norm2(h1 + cross_attention(memory, memory))
        return norm3(h2 + feed_forward(h2))

    def memory_residual(y, memory, self_attention, cross_attention, feed_forward, norm1, norm2, norm3):
        h1 = norm1(y + self_attention(y, y, tl.causal_mask(y.shape[1])))
        h2 = norm2(memory + cross_attention(h1, memory))  # not in the list of known mistakes
        return norm3(h2 + feed_forward(h2))

    assert "no causal mask" in nb09.check_decoder_layer(unmasked).message
    assert "keys and values come from the decoder" in nb09.check_decoder_layer(keys_from_decoder).message
    assert "queries come from the memory" in nb09.check_decoder_layer(queries_from_memory).message
    message = nb09.check_decoder_layer(memory_residual).message
    assert message.startswith("Not yet: On the running example's layer") and "expected" in message


def test_a_case_without_arrays_is_described_by_its_label_alone():
    assert Case({"length": 3}, "length 3").describe() == "length 3"
    assert Case({"x": np.zeros((2, 3))}, "two rows").describe() == "two rows (x (2, 3))"
