"""What a check module is written with: one toolkit for both sides of the worker boundary.

Worker side: `@case` marks a function `f(learner)` that runs the learner's code on fixed input and
returns plain data; `with_weights`, `forward`, `eval_outputs`, `dropout_probe`, `gradient_sizes` and
`build_on_meta` put modules into a known state and probe their behaviour (`probes`, torch imported
inside). Trusted side: `test_*` functions take the fixtures `out` (this run's case results) and
`snap` (the solution's results, from the committed snapshot), and fail through `fail()` or the
`expect_*` helpers (`expect`) with a message written for the learner.

Imports nothing of the grader outside this package (check modules run in the worker and in pytest).
"""
from .declare import CheckFailed, case, declared_cases, fail, hidden, points, sibling, tip
from .expect import (expect_close, expect_dtype, expect_equal, expect_eval_repeatable, expect_gradients, expect_names,
                     expect_sequence, expect_shape, expect_train_random, expect_type, fail_if_mistake, first_difference,
                     matching_variant, short_error, shorten, show, which_error, which_mistake)
from .probes import (build_on_meta, dropout_probe, eval_outputs, forward, gradient_sizes, weighted_backward,
                     with_weights)

__all__ = ["CheckFailed", "case", "declared_cases", "fail", "hidden", "points", "sibling", "tip",
           "expect_close", "expect_dtype", "expect_equal", "expect_eval_repeatable", "expect_gradients",
           "expect_names", "expect_sequence", "expect_shape", "expect_train_random", "expect_type", "fail_if_mistake",
           "first_difference", "matching_variant", "short_error", "shorten", "show", "which_error", "which_mistake",
           "build_on_meta", "dropout_probe", "eval_outputs", "forward", "gradient_sizes", "weighted_backward",
           "with_weights"]
