"""The line search's units (``ngb/_line_search.py``) on losses whose minimiser is known."""

import numpy as np

from ngb._line_search import accelerate, line_search, line_search_by_group


def quadratic(best):
    """Score along the step scaled by s (k,): sum_j (s_j - best_j)^2, its minimum at ``best``."""
    best = np.asarray(best, dtype=float)
    return lambda s: float(np.sum((np.asarray(s, dtype=float) - best) ** 2))


def test_line_search_doubles_while_the_score_improves_up_to_step_max():
    loss = quadratic([5.0])
    assert line_search(lambda s: loss([s]), loss([0.0])) == 8.0  # 1, 2, 4, 8 improve; 16 does not
    assert line_search(lambda s: loss([s]), loss([0.0]), step_max=2.0) == 2.0


def test_accelerate_catches_a_short_group_up_to_its_natural_gradient_step_and_no_further():
    """Group 1's score improves up to scaling 8, but acceleration stops at 1 (the natural-gradient
    step): past it one group's longer steps overfit (the docstring's Normal example)."""
    groups = [np.array([0]), np.array([1])]
    loss = quadratic([0.25, 8.0])
    out = accelerate(loss, np.array([0.25, 0.25]), groups, step_max=256.0)
    np.testing.assert_array_equal(out, [0.25, 1.0])
    # a group already at or above 1 is left as it is
    np.testing.assert_array_equal(accelerate(loss, np.array([0.25, 2.0]), groups, step_max=256.0), [0.25, 2.0])
    # and step_max below 1 still bounds it
    np.testing.assert_array_equal(accelerate(loss, np.array([0.25, 0.25]), groups, step_max=0.5), [0.25, 0.5])


def test_joint_scaling_kept_then_accelerated_by_group():
    groups = [np.array([0]), np.array([1])]
    loss = quadratic([0.5, 3.0])
    out = line_search_by_group(loss, loss(np.zeros(2)), groups, np.ones(2), step_max=256.0)
    # joint search: 1 improves on 0, 2 improves on 1 (score 2.25 + 1 < 0.25 + 4), 4 does not
    assert out[0] == 2.0 and out[1] == 2.0


def test_each_scaling_is_scored_once():
    """Every evaluation is a pass over the rows: the joint search tries 1 (improves) and 2 (does
    not), and the acceleration that follows starts from the score at 1 it already has (before, a
    third pass rescored it)."""
    groups = [np.array([0]), np.array([1])]
    best = quadratic([0.8, 0.8])
    tried = []

    def loss(s):
        tried.append(tuple(np.asarray(s, dtype=float)))
        return best(s)

    out = line_search_by_group(loss, best(np.zeros(2)), groups, np.ones(2), step_max=256.0)
    np.testing.assert_array_equal(out, [1.0, 1.0])
    assert tried == [(1.0, 1.0), (2.0, 2.0)]
