"""No checker gives an answer away: for every exercise of chapters 00 to 14, a part the reader has
not attempted yet (the notebook's ``...``, or None) gets a sentence saying what to do, never the
expected value. Each checker is run on its right answer (which must pass, so the expected values
below are the real ones) with one part at a time left as a placeholder; the feedback must not
pass and must not contain the text of that part's expected value in any of the forms the
checkers print numbers, shapes and words."""

import math
import re
from collections.abc import Callable

import numpy as np
import pytest
from test_capstone import feed_forward_backward
from test_exercises_nb13 import attend_right, top_p_right
from test_exercises_write_it_yourself import EXERCISES as WRITTEN
from test_exercises_write_it_yourself import attention, attention_backward, cross_entropy, layer_norm, layer_norm_backward
from test_exercises_write_it_yourself_06_09 import feed_forward
from test_exercises_write_it_yourself_12 import adam_step

import transformer_lib as tl
from transformer_lib import reversal
from transformer_lib.exercises import (
    capstone,
    nb00,
    nb01,
    nb02,
    nb03,
    nb04,
    nb05,
    nb06,
    nb07,
    nb08,
    nb09,
    nb10,
    nb11,
    nb12,
    nb13,
)
from transformer_lib.exercises.feedback import CheckResult, wrong
from transformer_lib.exercises.implement import Exercise
from transformer_lib.lessons.toy import BOS_ID, SOURCE_IDS, toy_model
from transformer_lib.training.beam import hypothesis_score

PLACEHOLDERS = (Ellipsis, None)
MODULES = (nb00, nb01, nb02, nb03, nb04, nb05, nb06, nb07, nb08, nb09, nb10, nb11, nb12, nb13, capstone)


# -- what the text of an expected value looks like ----------------------------------------------

def number_texts(x) -> set[str]:
    """The ways a checker prints the number `x`: 4 and 3 decimals, 6 significant digits, and a
    whole number with and without thousands separators (small whole numbers, which any sentence
    may hold, are left out)."""
    x = float(x)
    if x == int(x):
        return {str(int(x)), f"{int(x):,}"} if abs(x) >= 10 else set()
    return {f"{x:.4f}", f"{x:.3f}", f"{x:.6g}"}


def expected_texts(value) -> set[str]:
    """Every text of `value` (a number, array, shape, word, or a list, tuple, set or dict of them)
    that would give it away if it appeared in the feedback."""
    if isinstance(value, str):
        return {value} if len(value) >= 3 else set()
    if isinstance(value, dict):
        return set().union(*(expected_texts(v) for v in value.values()))
    if isinstance(value, (list, tuple, set, frozenset)):
        texts = set().union(*(expected_texts(v) for v in value)) if value else set()
        if value and all(isinstance(v, (int, np.integer)) for v in value):
            texts |= {str(tuple(int(v) for v in value)), str([int(v) for v in value])}
        return texts
    array = np.asarray(value)
    if array.dtype == bool:
        return set()
    if array.ndim == 0:
        return number_texts(array)
    return set().union(*(number_texts(x) for x in array.ravel()))


def leaked(message: str, value) -> list[str]:
    """The texts of the expected `value` that appear in `message` as a whole (10 is not in 1024,
    0.745 is not in 0.7456)."""
    return sorted(text for text in expected_texts(value)
                  if re.search(rf"(?<![\w.]){re.escape(text)}(?![\w]|\.\d)", message))


def parts(answer) -> list[tuple[object, Callable[[object], object]]]:
    """(expected part, the answer with that part replaced) for the whole answer and for each part
    of a dict, list or tuple answer (a matrix given as a list of rows has its rows as parts)."""
    if isinstance(answer, np.ndarray) and answer.ndim == 2:
        answer = [list(row) for row in answer]
    out = [(answer, lambda placeholder: placeholder)]
    if isinstance(answer, dict):
        out += [(answer[key], lambda placeholder, key=key: {**answer, key: placeholder}) for key in answer]
    elif isinstance(answer, (list, tuple)):
        out += [(item, lambda placeholder, i=i: type(answer)(
            placeholder if j == i else other for j, other in enumerate(answer))) for i, item in enumerate(answer)]
    return out


# -- the right answers of the value exercises ---------------------------------------------------

def _one_hot():
    return np.eye(11)[list(nb01.ONE_HOT_IDS)]


def _ffn_by_hand():
    model = toy_model(seed=0)
    model.encode(SOURCE_IDS[None])
    x, ffn = model.trace()["encoder.layers.0.add_norm_1"][0, nb06.TOKEN], model.encoder.layers[0].ffn
    return np.maximum(x @ ffn.linear1.weight + ffn.linear1.bias, 0) @ ffn.linear2.weight + ffn.linear2.bias


def _encoder_layer_parameters():
    d, f = nb07.D_MODEL, nb07.D_FF
    return 4 * (d * d + d) + 2 * 2 * d + (d * f + f) + (f * d + d)


def _exact_match():
    predictions, labels = nb12.EXACT_MATCH_PREDICTIONS, nb12.EXACT_MATCH_LABELS
    return float(np.mean([all(p == lab for p, lab in zip(row_p, row_l, strict=True) if lab != reversal.PAD_ID)
                          for row_p, row_l in zip(predictions.tolist(), labels.tolist(), strict=True)]))


def _value_answers() -> dict[str, tuple[Callable, Callable[[], object]]]:
    """{name: (checker, its right answer)} for every exercise answered with a value."""
    head = nb03.single_head_trace
    backward = nb11.running_example_backward
    return {
        "00 sequential steps": (nb00.check_sequential_steps, lambda: (20, 1)),
        "00 path length": (nb00.check_path_length, lambda: (19, 1)),
        "00 score shape": (nb00.check_score_shape, lambda: (7, 7)),
        "00 output shape": (nb00.check_output_shape, lambda: (3, 11)),
        "01 one-hot": (nb01.check_one_hot, _one_hot),
        "01 lookup": (nb01.check_lookup, nb01.lookup_solution),
        "01 embedding gradient": (nb01.check_embedding_gradient, nb01.gradient_solution),
        "01 paper table size": (nb01.check_paper_table_size, lambda: 37_000 * 512),
        "02 table": (nb02.check_pe_table, lambda: tl.sinusoidal_positional_encoding(3, 6)),
        "02 row order": (nb02.check_row_order, lambda: [0, 4, 2, 3, 1]),
        "02 encoder input row": (nb02.check_encoder_input_row, nb02.encoder_input_row),
        "03 scaled scores": (nb03.check_scaled_scores, lambda: head()["Q"] @ head()["K"].T / np.sqrt(6)),
        "03 softmax rows": (nb03.check_softmax_rows, lambda: head()["weights"]),
        "03 attention output": (nb03.check_attention_output, lambda: head()["weights"] @ head()["V"]),
        "03 dot product std": (nb03.check_dot_product_std, lambda: 8.0),
        "04 head shapes": (nb04.check_head_shapes, nb04.expected_shapes),
        "04 head 2 query": (nb04.check_head_2_query, lambda: nb04.running_example_q()[1][1]),
        "04 paper scale": (nb04.check_paper_scale, lambda: math.sqrt(3)),
        "04 attention parameters": (nb04.check_attention_parameters, lambda: 4 * (512 * 512 + 512)),
        "05 normalised token": (nb05.check_normalized_token, lambda: (lambda x: (x - x.mean()) / np.sqrt(
            x.var() + nb05.EPS))(nb05.exercise_vector())),
        "05 gain and bias": (nb05.check_gain_and_bias, lambda: (np.full(6, 3.0), np.full(6, 2.0))),
        "05 layer norm axis": (nb05.check_layer_norm_axis, lambda: 2),
        "05 batch norm axes": (nb05.check_batch_norm_axes, lambda: (0, 1)),
        "06 d_ff": (nb06.check_d_ff, lambda: 4096),
        "06 ffn parameters": (nb06.check_ffn_parameters, lambda: 1024 * 4096 + 4096 + 4096 * 1024 + 1024),
        "06 off units": (nb06.check_off_units, lambda: nb06.off_units().tolist()),
        "06 ffn by hand": (nb06.check_ffn_by_hand, _ffn_by_hand),
        "07 encoder layer parameters": (nb07.check_encoder_layer_parameters, _encoder_layer_parameters),
        "07 encoder parameters": (nb07.check_encoder_parameters, lambda: nb07.LAYERS * _encoder_layer_parameters()),
        "07 stack output shape": (nb07.check_stack_output_shape, lambda: (32, 10, nb07.D_MODEL)),
        "07 attention map count": (nb07.check_attention_map_count, lambda: nb07.LAYERS * nb07.HEADS),
        "08 causal mask": (nb08.check_causal_mask, lambda: tl.causal_mask(4)),
        "08 shift right": (nb08.check_shift_right, lambda: [BOS_ID, *nb08.SHIFT_TARGET[:-1]]),
        "08 zero weights": (nb08.check_zero_weights, lambda: sorted(nb08.zero_weight_pairs())),
        "08 moved positions": (nb08.check_moved_positions, lambda: list(range(nb08.MOVE_POSITION, nb08.MOVE_LENGTH))),
        "09 cross-attention shapes": (nb09.check_cross_attention_shapes,
                                      lambda: {"Q": (4, 3), "K": (7, 3), "V": (7, 3), "weights": (4, 7)}),
        "09 cross-attention row": (nb09.check_cross_attention_row, nb09.expected_cross_attention_row),
        "09 cross-attention mask": (nb09.check_cross_attention_mask, lambda: "b"),
        "09 decoder layer parameters": (nb09.check_decoder_layer_parameters, lambda: 690),
        "09 rows read": (nb09.check_rows_read, lambda: [nb09.HELD_OUT_SENTENCE[int(c)]
                                                        for c in nb09.trained_map()[0].argmax(axis=1)]),
        "09 rows write": (nb09.check_rows_write, lambda: list(nb09.trained_map()[1])),
        "10 generator parameters": (nb10.check_generator_parameters, lambda: 512 * 37_000 + 37_000),
        "10 cross-entropy": (nb10.check_cross_entropy, lambda: float(-np.log(
            nb10.running_example_probabilities()[np.arange(3), [0, 6, 3]]).mean())),
        "10 smoothed target": (nb10.check_smoothed_target, nb10.smoothed_target),
        "10 uniform loss": (nb10.check_uniform_loss, lambda: math.log(37_000)),
        "11 logits gradient": (nb11.check_logits_gradient, lambda: backward()["dlogits"]),
        "11 weight gradient": (nb11.check_weight_gradient, lambda: backward()["dW"]),
        "11 softmax backward": (nb11.check_softmax_backward, nb11.expected_softmax_row),
        "11 relu backward": (nb11.check_relu_backward, lambda: tl.relu_backward(nb11.RELU_DOUT, nb11.RELU_HIDDEN)),
        "12 warm-up learning rate": (nb12.check_warmup_learning_rate, lambda: tl.warmup_learning_rate(100, 32, 400)),
        "12 reversal decoder input": (nb12.check_reversal_decoder_input,
                                      lambda: [reversal.BOS_ID, *nb12.REVERSAL_CONTENT[::-1]]),
        "12 exact-match accuracy": (nb12.check_exact_match_accuracy, _exact_match),
        "13 length-penalised score": (nb13.check_length_penalised_score, lambda: float(hypothesis_score(
            math.log(nb13.SCORE_PROBABILITY), nb13.SCORE_LENGTH, nb13.SCORE_ALPHA))),
        "13 beam after step 2": (nb13.check_beam_after_step_2, nb13.beam_after_step),
    }


VALUE_ANSWERS = _value_answers()


@pytest.mark.parametrize("name", VALUE_ANSWERS)
def test_a_value_part_left_as_a_placeholder_is_not_answered(name):
    check, right_answer = VALUE_ANSWERS[name]
    answer = right_answer()
    assert check(answer).passed, check(answer).message
    for expected, with_placeholder in parts(answer):
        for placeholder in PLACEHOLDERS:
            result = check(with_placeholder(placeholder))
            assert not result.passed, (placeholder, result.message)
            assert not leaked(result.message, expected), (placeholder, result.message, leaked(result.message, expected))


# -- the write-it-yourself exercises ------------------------------------------------------------

FUNCTIONS: dict[str, tuple[Callable[[], Exercise], Callable, Callable]] = {
    **WRITTEN,
    "12 Adam step": (nb12.adam_step_exercise, nb12.check_adam_step, adam_step),
    "13 attention step with a cache": (nb13.attend_with_cache_exercise, nb13.check_attend_with_cache, attend_right),
    "13 top-p filter": (nb13.top_p_exercise, nb13.check_top_p_filter, top_p_right),
    "14 feed-forward": (capstone.feed_forward_exercise, capstone.check_feed_forward, feed_forward),
    "14 feed-forward backward": (capstone.feed_forward_backward_exercise, capstone.check_feed_forward_backward,
                                 feed_forward_backward),
}


def stub_raising(*args):
    """The notebook's stub."""
    raise NotImplementedError


def stub_with_dots(*args):
    """A stub whose body is the placeholder ``...``."""
    ...


def reference_outputs(exercise: Exercise) -> list[np.ndarray]:
    """Every output the first reference gives on every case of `exercise`, one list per output."""
    outputs = [[] for _ in exercise.outputs]
    for case in exercise.cases:
        values = exercise.references[0].function(*case.fresh_inputs())
        values = (values,) if len(exercise.outputs) == 1 else values
        for i, value in enumerate(values):
            outputs[i].append(np.asarray(value))
    return outputs


@pytest.mark.parametrize("name", FUNCTIONS)
def test_an_unwritten_function_or_output_is_not_answered(name):
    exercise_of, check, solution = FUNCTIONS[name]
    exercise = exercise_of()
    assert check(solution).passed, check(solution).message
    for placeholder in (stub_raising, stub_with_dots, None, Ellipsis):
        assert check(placeholder).message.startswith("Not attempted yet"), (placeholder, check(placeholder).message)
    if len(exercise.outputs) == 1:
        return
    for i, expected in enumerate(reference_outputs(exercise)):
        for placeholder in PLACEHOLDERS:
            def partly_written(*args, i=i, placeholder=placeholder):
                return tuple(placeholder if j == i else value for j, value in enumerate(solution(*args)))

            result = check(partly_written)
            assert not result.passed, (exercise.outputs[i], placeholder, result.message)
            assert not leaked(result.message, expected), (exercise.outputs[i], placeholder, result.message)


CAPSTONE_FUNCTIONS = {"attention": attention, "layer_norm": layer_norm, "layer_norm_backward": layer_norm_backward,
                      "feed_forward": feed_forward, "feed_forward_backward": feed_forward_backward,
                      "cross_entropy": cross_entropy, "attention_backward": attention_backward}


@pytest.mark.parametrize("placeholder", [stub_raising, stub_with_dots, None, Ellipsis],
                         ids=["raising stub", "stub with ...", "None", "..."])
def test_a_capstone_function_not_written_is_named_not_answered(placeholder):
    for name in ("layer_norm_backward", "cross_entropy"):
        result = capstone.check_capstone(**{**CAPSTONE_FUNCTIONS, name: placeholder})
        assert result.message.startswith("Not attempted yet") and f"`{name}`" in result.message, result.message


def test_every_checker_of_every_chapter_is_covered():
    checkers = {getattr(module, name) for module in MODULES for name in dir(module)
                if name.startswith("check_") and callable(getattr(module, name))
                and getattr(getattr(module, name), "__module__", "") == module.__name__}
    covered = {check for check, _ in VALUE_ANSWERS.values()} | {check for _, check, _ in FUNCTIONS.values()}
    covered.add(capstone.check_capstone)
    assert checkers - covered == set()


# -- the test above can fail --------------------------------------------------------------------

def test_a_checker_that_gives_the_answer_away_is_caught():
    shapes = {"Q": (4, 3), "K": (7, 3)}
    row = np.array([0.2204, 0.034, 0.7456])

    def leaky_shapes(answer) -> CheckResult:
        missing = next(key for key, value in answer.items() if value is Ellipsis)
        return wrong(f"{missing} is not Ellipsis, expected {shapes[missing]}.")

    def leaky_row(answer) -> CheckResult:
        return wrong(f"the row is {answer!r}; weight 2 should be {row[2]:.4f}.")

    assert leaked(leaky_shapes({"Q": (4, 3), "K": ...}).message, shapes["K"]) == ["(7, 3)"]
    assert leaked(leaky_row(...).message, row) == ["0.7456"]
    assert leaked(wrong(f"expected {37_000 * 512:,}").message, 37_000 * 512) == ["18,944,000"]
    assert leaked(wrong("write a list of words such as ['dogs', ...]").message, ["dogs", "milk"]) == ["dogs"]
    assert not leaked(nb09.check_cross_attention_shapes({**shapes, "V": (7, 3), "weights": ...}).message, (4, 7))
