"""The cross-validations' linear references: a binary fit learns a separable rule, a multinomial fit learns
separable classes, and row weights decide between rows that disagree."""

import numpy as np

from signstgcn.linear import fit_logistic


def test_a_binary_fit_learns_a_separable_rule():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    m = fit_logistic(x, y, np.ones(len(y)))
    p = m.predict(x)
    assert p.shape == (400,) and np.mean((p > 0.5) == y) > 0.95


def test_a_multinomial_fit_learns_separable_classes():
    rng = np.random.default_rng(1)
    centres = np.array([[0, 0], [4, 0], [0, 4]], np.float32)
    y = np.repeat(np.arange(3), 50)
    x = (centres[y] + rng.normal(0, 0.7, (150, 2))).astype(np.float32)
    p = fit_logistic(x, y, classes=3).predict(centres)
    assert p.shape == (3, 3) and np.allclose(p.sum(1), 1.0, atol=1e-5)
    assert list(p.argmax(1)) == [0, 1, 2]


def test_row_weights_decide_between_rows_that_disagree():
    # The same point labelled 0 and 1 (and twice 2): the heavier label wins, whatever the row count says.
    x = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [-1.0, 1.0]], np.float32)
    y = np.array([0, 1, 2, 2, 2])
    w = np.array([6.0, 1.0, 1.0, 1.0, 1.0])
    assert fit_logistic(x, y, w, classes=3).predict(x[:1]).argmax() == 0
    assert fit_logistic(x, y, classes=3).predict(x[:1]).argmax() == 2
    assert fit_logistic(x[:2], y[:2], np.array([1.0, 3.0])).predict(x[:1])[0] > 0.5
