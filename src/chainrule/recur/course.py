"""The course's forward passes over time, as the sequence-models week writes them.

``rnn_forward`` and ``lstm_forward`` (course 5, week 1) with their inputs' shapes: what
``chainrule check-rnn`` derives its reference BPTT from, and what the tests and benchmarks hand
:func:`chainrule.recurrence` as a learner would. Text only: reading it is :mod:`.reader`'s job.
"""

from __future__ import annotations

__all__ = ["RNN_FORWARD", "RNN_SHAPES", "LSTM_FORWARD", "LSTM_SHAPES"]

RNN_FORWARD = """
def rnn_forward(x, a0, Waa, Wax, Wya, ba, by):
    n_x, m, T_x = x.shape
    n_y, n_a = Wya.shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    a_next = a0
    for t in range(T_x):
        xt = x[:, :, t]
        a_next = np.tanh(np.dot(Waa, a_next) + np.dot(Wax, xt) + ba)
        yt_pred = softmax(np.dot(Wya, a_next) + by)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
    return a, y_pred
"""
RNN_SHAPES: dict[str, tuple] = {
    "x": ("n_x", "m", "T_x"),
    "a0": ("n_a", "m"),
    "Waa": ("n_a", "n_a"),
    "Wax": ("n_a", "n_x"),
    "Wya": ("n_y", "n_a"),
    "ba": ("n_a", 1),
    "by": ("n_y", 1),
}

# np.concatenate of a_prev and xt, one weight per gate over the concatenation
LSTM_FORWARD = """
def lstm_forward(x, a0, Wf, bf, Wi, bi, Wc, bc, Wo, bo):
    n_x, m, T_x = x.shape
    n_a = a0.shape[0]
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    a_next = a0
    c_next = np.zeros(a_next.shape)
    for t in range(T_x):
        xt = x[:, :, t]
        concat = np.concatenate((a_next, xt), axis=0)
        ft = sigmoid(np.dot(Wf, concat) + bf)
        it = sigmoid(np.dot(Wi, concat) + bi)
        cct = np.tanh(np.dot(Wc, concat) + bc)
        c_next = ft * c_next + it * cct
        ot = sigmoid(np.dot(Wo, concat) + bo)
        a_next = ot * np.tanh(c_next)
        a[:, :, t] = a_next
        c[:, :, t] = c_next
    return a, c
"""
LSTM_SHAPES: dict[str, tuple] = {"x": ("n_x", "m", "T_x"), "a0": ("n_a", "m")}
for _gate in "fico":  # forget, update (input), candidate, output
    LSTM_SHAPES.update({f"W{_gate}": ("n_a", "n_a + n_x"), f"b{_gate}": ("n_a", 1)})
