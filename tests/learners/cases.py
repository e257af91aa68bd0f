"""A catalogue of real learners' backprop formulas, each taken from a public post.

Every case names its source (a forum thread, a Stack Exchange question, a GitHub issue or a
learner's repository), says in one line what the learner asked or did, gives the network, the
learner's formula in their own NumPy spelling (one statement per line; several lines when the post
shows a whole backward pass), and the expected verdict. The verdict is decided from the mathematics
of the course (``test_cases_wellformed.py`` checks it against the course's formulas, written out
independently in NumPy) — never from chainrule's own answer.

Where a post gives no exact line, or uses other variable names, the paraphrase says so and the
formula is the learner's mistake written in the course's names (W1, b1, Z1, A1, dZ1, …, X, Y, m,
lambd, keep_prob, D1). In dropout cases ``A1`` is the course's cached activation, i.e. after the
mask and the 1/keep_prob rescaling, as in the course's ``forward_propagation_with_dropout``.

``correct`` means right as a formula, for every width: a formula that gives the right numbers only
because a dimension is 1 (``W2.T * dZ2`` with n[2] = 1) is not correct. ``mistake_words`` are words
a good diagnosis contains (compared case-insensitively); ``line`` is the line (1-based) where a
multi-line pass goes wrong first. ``convention`` is ``"course"`` (dZ per example, 1/m in dW and
db) or ``"exact"`` (every d· is ∂J/∂·, so the 1/m sits in dZ[L] and nowhere else).
"""

from __future__ import annotations

from dataclasses import dataclass

import chainrule as cr

PLANAR = {"layers": (2, 4, 1), "hidden": "tanh", "output": "sigmoid", "loss": "bce"}
C2W1 = {"layers": (2, 20, 3, 1), "hidden": "relu", "output": "sigmoid", "loss": "bce"}
C2W1_L2 = {**C2W1, "l2": 0.7}
C2W1_DROPOUT = {**C2W1, "keep_prob": 0.86}
DEEP = {"layers": (4, 5, 3, 1), "hidden": "relu", "output": "sigmoid", "loss": "bce"}
TWO_LAYER_RELU = {"layers": (3, 4, 1), "hidden": "relu", "output": "sigmoid", "loss": "bce"}
LOGISTIC = {"layers": (2, 1), "hidden": "relu", "output": "sigmoid", "loss": "bce"}


@dataclass(frozen=True)
class Case:
    """One learner's formula from one public post, with the verdict the mathematics gives."""

    id: str
    source: str  # URL, or the precise title and site of the post
    paraphrase: str  # one line: what the learner asked or did (and how the formula was adapted)
    layers: tuple[int, ...]
    hidden: str
    output: str
    loss: str
    formula: str  # the learner's line(s), one statement per line
    correct: bool
    mistake_words: tuple[str, ...] = ()
    line: int | None = None  # multi-line passes: the line where the mistake is made
    l2: float = 0.0
    keep_prob: float = 1.0
    layout: str = "columns"
    convention: str = "course"

    @property
    def lines(self) -> list[str]:
        return [s for s in self.formula.splitlines() if s.strip()]

    def network(self) -> cr.Network:
        return cr.mlp(
            list(self.layers),
            hidden=self.hidden,
            output=self.output,
            loss=self.loss,
            layout=self.layout,
            l2=self.l2,
            keep_prob=self.keep_prob,
        )


def _case(id: str, source: str, paraphrase: str, net: dict, formula: str, correct: bool, **kw):
    return Case(id, source, paraphrase, formula=formula.strip(), correct=correct, **net, **kw)


FORUM = "https://community.deeplearning.ai/t/"

CASES: tuple[Case, ...] = (
    # ---------------------------------------------------------------- wrong formulas
    _case(
        "one-over-m-in-dz1-and-dw1",
        FORUM + "course-1-week-3-planar-assignment-4-5-exercise-6-backward-propagation-"
        "error-for-dw1-values/63071",
        "Learner describes (no code) multiplying dZ1 by 1/m and then dW1 and db1 by 1/m again; "
        "dW2/db2 pass, dW1/db1 have wrong values. Written in the course's names.",
        PLANAR,
        """
dZ1 = 1/m * np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
dW1 = 1/m * np.dot(dZ1, X.T)
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)
""",
        False,
        mistake_words=("1/m",),
        line=1,
    ),
    _case(
        "g-prime-dotted-with-z1",
        FORUM + "w3-a1-dimensional-analysis-shapes-not-aligned/290850",
        "Learner read g[1]'(Z[1]) as a product with Z1 ('I thought that z1 was being multiplied "
        "to 1-a2') and got 'shapes (4,3) and (4,3) not aligned'; paraphrased from the thread.",
        PLANAR,
        "dZ1 = np.dot(W2.T, dZ2) * np.dot(1 - np.power(A1, 2), Z1)",
        False,
        mistake_words=("Z1",),
    ),
    _case(
        "g-prime-times-z1",
        FORUM + "wrong-values-for-dw1/85937",
        "Mentor: 'You don't need to multiply by Z1 … you are invoking the function g'(Z1)'; the "
        "learner's code was removed by a moderator, so the line is paraphrased.",
        PLANAR,
        "dZ1 = np.dot(W2.T, dZ2) * Z1 * (1 - np.power(A1, 2))",
        False,
        mistake_words=("Z1",),
    ),
    _case(
        "dot-for-both-products",
        FORUM + "graded-function-backward-propagation/110003",
        "Learner used np.dot for both products of dZ1 ('ValueError: shapes (4,3) and (4,3) not "
        "aligned'); the mentor says one of them is elementwise. Code removed; paraphrased.",
        PLANAR,
        "dZ1 = np.dot(np.dot(W2.T, dZ2), 1 - np.power(A1, 2))",
        False,
        mistake_words=("elementwise",),
    ),
    _case(
        "dot-and-a1t-a1",
        FORUM + "w3-ex-6-assertionerror-wrong-values-for-dw1/402919",
        "Second learner in the thread, to avoid a shape error, wrote this exact line and got "
        "'Wrong values for dW1'.",
        PLANAR,
        "dZ1 = np.dot(np.dot(W2.T, dZ2), (1 - np.dot(A1.T, A1)))",
        False,
        mistake_words=("elementwise",),
    ),
    _case(
        "dw2-used-for-w2",
        FORUM + "w3-ex-6-assertionerror-wrong-values-for-dw1/402919",
        "First learner in the thread: mentor asks 'W2 or dW2?' and the learner confirms the "
        "mix-up; line paraphrased.",
        PLANAR,
        "dZ1 = np.dot(dW2.T, dZ2) * (1 - np.power(A1, 2))",
        False,
        mistake_words=("dW2",),
    ),
    _case(
        "np-multiply-for-w2t-dz2",
        FORUM + "week-3-exercise-6-cost-function/723602/2",
        "Mentor: the operation between W2^T and dZ2 is not np.multiply (elementwise), it is "
        "np.dot; with n[2] = 1 the broadcast happens to give the same numbers. Paraphrased.",
        PLANAR,
        "dZ1 = np.multiply(W2.T, dZ2) * (1 - np.power(A1, 2))",
        False,
        mistake_words=("n[2] = 1",),
    ),
    _case(
        "star-for-dw2",
        FORUM + "course-1-week-3-a1-excercise-6-dw2-operands-could-not-be-broadcast/152009",
        "Learner's traceback shows this exact line: 'operands could not be broadcast together "
        "with shapes (1,3) (3,4)'.",
        PLANAR,
        "dW2 = (1/m) * dZ2 * A1.T",
        False,
        mistake_words=("elementwise",),
    ),
    _case(
        "star-for-w2t-dz2",
        FORUM + "course-1-week-3-a1-excercise-6-dw2-operands-could-not-be-broadcast/152009",
        "Same traceback, the learner's next line: right on the 2-4-1 network only because n[2] = 1 "
        "makes * broadcast like a matrix product.",
        PLANAR,
        "dZ1 = W2.T * (dZ2) * (1 - np.power(A1, 2))",
        False,
        mistake_words=("n[2] = 1",),
    ),
    _case(
        "l2-sum-of-w",
        FORUM + "dw-for-l2-regularization/165181",
        "Learner differentiated the Frobenius norm to a sum of W's entries and tried this exact "
        "line, which fails the notebook's tests.",
        C2W1_L2,
        "dW1 = 1/m * np.dot(dZ1, X.T) + (lambd * np.sum(W1)) / m",
        False,
        mistake_words=("sum",),
    ),
    _case(
        "dropout-multiplies-by-keep-prob",
        "Course Q&A thread 'Regularization: The Backpropagation with Dropout' "
        "(community.deeplearning.ai, Improving Deep Neural Networks, 2022-09-04, He_Nantian; "
        "read through a public mirror)",
        "Learner argues dA2 should be multiplied by keep_prob since A2 was divided by it; the "
        "pass he proposes, in the course's names.",
        C2W1_DROPOUT,
        """
dA2 = np.dot(W3.T, dZ3)
dA2 = dA2 * D2
dA2 = dA2 * keep_prob
""",
        False,
        mistake_words=("keep_prob",),
        line=3,
    ),
    _case(
        "dropout-not-rescaled",
        FORUM + "backpropagation-with-dropout/310969",
        "Learner asks why dA1 must be divided by keep_prob again in backprop ('scaled twice?'); "
        "the pass without the division, in the course's names.",
        C2W1_DROPOUT,
        """
dA1 = np.dot(W2.T, dZ2)
dA1 = dA1 * D1
dZ1 = np.multiply(dA1, np.int64(A1 > 0))
""",
        False,
        mistake_words=("keep_prob",),
        line=2,
    ),
    _case(
        "tanh-derivative-on-sigmoid-layer",
        "https://github.com/Jeraldy/deeplearning",
        "Learner's L2 notebook: hidden layer A1 = 1/(1+np.exp(-Z1)) (sigmoid) but dZ1 uses the "
        "tanh derivative 1 - A1**2; line as in the notebook.",
        {**PLANAR, "layers": (2, 400, 1), "hidden": "sigmoid", "l2": 0.1},
        "dZ1 = np.multiply(np.dot(W2.T, dZ2), 1 - np.power(A1, 2))",
        False,
        mistake_words=("sigmoid",),
    ),
    _case(
        "w-without-transpose",
        "Stack Exchange question 'Proper derivation of dz[1] expression for backpropagation "
        "algorithm' (read through a public mirror; the exact site is not shown there)",
        "Learner asks why dz[1] uses w[2]T 'instead of just w'; the formula they propose, in "
        "NumPy with the course's names.",
        PLANAR,
        "dZ1 = np.dot(W2, dZ2) * (1 - np.power(A1, 2))",
        False,
        mistake_words=("transpose",),
    ),
    _case(
        "transpose-read-as-inverse",
        "https://stats.stackexchange.com/questions/316005/deep-nns-backpropagation-and-error-calculation",
        "Learner following Nielsen asks whether the transpose in δ = (wᵀδ') ⊙ σ'(z) should be "
        "the inverse; the inverse version, on a network where W2 is square so it runs.",
        {"layers": (4, 3, 3), "hidden": "sigmoid", "output": "sigmoid", "loss": "mse"},
        "dZ1 = np.dot(np.linalg.inv(W2), dZ2) * A1 * (1 - A1)",
        False,
        mistake_words=("transpose",),
    ),
    _case(
        "sum-around-dot",
        FORUM + "vectorized-form-for-dw-in-week2/808488",
        "Learner asks if dw = (1/m) * np.sum(np.dot(X, dz.T)) is right (week 2 logistic "
        "regression); written for the course's layer notation W1 (1, n_x).",
        LOGISTIC,
        "dW1 = (1/m) * np.sum(np.dot(dZ1, X.T))",
        False,
        mistake_words=("sum",),
    ),
    _case(
        "db-equals-dz",
        FORUM + "trouble-understanding-b-vector-back-propagation/536725",
        "Learner asks why db sums the columns of dZ: 'wouldn't it make more sense to set db = dZ'.",
        PLANAR,
        "db1 = dZ1",
        False,
        mistake_words=("sum",),
    ),
    _case(
        "star-in-linear-backward",
        FORUM + "building-your-deep-neural-network-step-by-step-error-debugging/674897/8",
        "linear_backward with dZ (3,4), A_prev (5,4), W (3,5): the mentor bets the learner used * "
        "for dW; written for layer 2 of a 4-5-3-1 network.",
        DEEP,
        "dW2 = 1 / m * dZ2 * A1.T",
        False,
        mistake_words=("elementwise",),
    ),
    _case(
        "bce-derivative-with-softmax",
        "Stack Exchange question 'Find partial derivative of softmax w.r.t logits in python' "
        "(Ajmal Rasi, September 2018; read through a public mirror)",
        "Learner's relu → softmax network uses the binary cross-entropy cost and its derivative "
        "dA2 = -(1/m)(Y/A2 - (1-Y)/(1-A2)); judged as ∂J/∂A2 (exact convention).",
        {"layers": (4, 5, 3), "hidden": "relu", "output": "softmax", "loss": "ce"},
        "dA2 = -1/m * (Y/A2 - (1 - Y)/(1 - A2))",
        False,
        mistake_words=("binary",),
        convention="exact",
    ),
    _case(
        "dw-uses-own-activation",
        "https://datascience.stackexchange.com/questions/25394/why-can-it-be-that-my-neural-network-is-predicting-the-contrary",
        "Learner's loop computes dw from activations[d] instead of activations[d-1] (the answer's "
        "fix); with no hidden layer, in the course's names.",
        {**LOGISTIC, "layers": (1, 1)},
        "dW1 = 1./m * dZ1.dot(A1.T)",
        False,
        mistake_words=("X",),
    ),
    _case(
        "w2-not-transposed-sigmoid",
        FORUM + "course-1-week-3-backpropagation-intuition/7979/9",
        "Learner's chain-rule write-up gives dz1 = (a2-y) * w2 * sigmoid(z1) * (1-sigmoid(z1)) "
        "for a sigmoid hidden layer; vectorised with the course's capitals.",
        {**PLANAR, "hidden": "sigmoid"},
        "dZ1 = W2 * dZ2 * sigmoid(Z1) * (1 - sigmoid(Z1))",
        False,
        mistake_words=("transpose",),
    ),
    _case(
        "tanh-derivative-at-arctanh",
        "https://github.com/lazyprogrammer/facial-expression-recognition/issues/2",
        "Learner proposes 1 - np.arctanh(Z)*np.arctanh(Z) for tanh' where Z is the activation "
        "(so the derivative is taken at the pre-activation squared); in the course's names.",
        PLANAR,
        "dZ1 = np.dot(W2.T, dZ2) * (1 - np.arctanh(A1) * np.arctanh(A1))",
        False,
        mistake_words=("A1",),
    ),
    _case(
        "tanh-derivative-plus",
        "https://github.com/gy910210/neural-network-from-scratch/issues/2",
        "Learner claims the tanh layer's backward should be (1.0 + np.square(output)) * top_diff "
        "(tan' for tanh'); in the course's names.",
        PLANAR,
        "dZ1 = np.dot(W2.T, dZ2) * (1.0 + np.square(A1))",
        False,
        mistake_words=("sign",),
    ),
    _case(
        "tanh-derivative-plus-values",
        "https://github.com/nicodjimenez/lstm/issues/41",
        "Issue 'The tanh_derivative should be : 1. + values**2' (values = tanh output); "
        "applied to the hidden layer in the course's names.",
        PLANAR,
        "dZ1 = np.dot(W2.T, dZ2) * (1. + A1**2)",
        False,
        mistake_words=("sign",),
    ),
    _case(
        "tanh-derivative-of-wrong-layer",
        "https://github.com/dennybritz/nn-from-scratch/pull/3",
        "The notebook's backprop formula used 1 - tanh^2(z2) where 1 - tanh^2(z1) belongs "
        "(fixed by this pull request); columns layout, course names.",
        {"layers": (2, 3, 2), "hidden": "tanh", "output": "softmax", "loss": "ce"},
        "dZ1 = np.dot(W2.T, dZ2) * (1 - np.tanh(Z2)**2)",
        False,
        mistake_words=("Z1",),
    ),
    _case(
        "g-prime-transposed",
        FORUM + "wrong-values-for-dw1/85937",
        "Same thread, first reply: 'Why are you transposing the output of g'(Z1)?' (the learner "
        "printed a (3, 3) second part); paraphrased.",
        PLANAR,
        "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2)).T",
        False,
        mistake_words=("transpose",),
    ),
    _case(
        "star-and-no-transpose-for-dw",
        FORUM + "course-1-week-2-exercise-5-propagate/119220",
        "Mentor: 'if you use * instead of np.dot and leave out the transpose' dw comes out "
        "(2, 3); written for the layer notation of logistic regression (dW1 is (1, n_x)).",
        LOGISTIC,
        "dW1 = 1/m * dZ1 * X",
        False,
        mistake_words=("elementwise",),
    ),
    _case(
        "sigmoid-derivative-of-the-error",
        "https://datascience.stackexchange.com/questions/20139/gradients-for-bias-terms-in-backpropagation",
        "Learner's code: dh2 = h2 - y; dz2 = dh2*(1-dh2), the sigmoid derivative taken at the "
        "error instead of at the output; columns and course names.",
        {"layers": (3, 4, 1), "hidden": "sigmoid", "output": "sigmoid", "loss": "mse"},
        "dZ2 = (A2 - Y) * (1 - (A2 - Y))",
        False,
        mistake_words=("A2",),
    ),
    _case(
        "hidden-delta-from-output-error",
        "Stack Overflow: 'Backpropagation: Why doesn't error approach zero when it is multiplied "
        "by deriv of sigmoid?' (2-2-1 sigmoid network; read through the whosebug.com mirror)",
        "Learner's delta_hidden = error * sigmoid'(hidden) uses the output error, skipping W2ᵀ and "
        "σ'(Z2); signs turned to the gradient convention (the post updates with +=).",
        {"layers": (2, 2, 1), "hidden": "sigmoid", "output": "sigmoid", "loss": "mse"},
        "dZ1 = (A2 - Y) * A1 * (1 - A1)",
        False,
        mistake_words=("W2",),
    ),
    _case(
        "db-mean-after-one-over-m",
        "https://github.com/kvfrans/notes/issues/5",
        "Reader of a backprop note: d_b1 = jnp.mean(d_h2, axis=1) should be a sum, since the "
        "gradient already carries the batch's 1/N (exact convention); keepdims added for the "
        "course's (n, 1) bias.",
        PLANAR,
        "db1 = np.mean(dZ1, axis=1, keepdims=True)",
        False,
        mistake_words=("1/m",),
        convention="exact",
    ),
    _case(
        "bias-gradient-summed-over-every-axis",
        "https://github.com/rasbt/stat453-deep-learning-ss21/issues/5",
        "Softmax regression's grad_loss_wrt_b = -torch.sum(y - probas) sums over the classes "
        "too (all biases get one number); examples as rows, with the course's 1/m.",
        {"layers": (2, 3), "hidden": "relu", "output": "softmax", "loss": "ce"},
        "db1 = -np.sum(Y - A1) / m",
        False,
        mistake_words=("axis",),
        layout="rows",
    ),
    _case(
        "errors-back-without-transpose",
        "https://github.com/makeyourownneuralnetwork/makeyourownneuralnetwork/issues/77",
        "Reader of the book asks why the matrix is transposed when errors are sent back "
        "('absolutely no reason for that'); the untransposed version, in the course's names.",
        {"layers": (3, 3, 3), "hidden": "sigmoid", "output": "sigmoid", "loss": "mse"},
        "dA1 = np.dot(W2, dZ2)",
        False,
        mistake_words=("transpose",),
    ),
    _case(
        "dw-without-transpose-rows",
        "https://github.com/stephencwelch/Neural-Networks-Demystified/issues/28",
        "Learner asks why ∂J/∂W2 commutes and transposes (a2ᵀ δ3) instead of 'simply the dot "
        "product of delta3 and a2'; examples as rows, with the course's 1/m.",
        {"layers": (2, 3, 1), "hidden": "sigmoid", "output": "sigmoid", "loss": "mse"},
        "dW2 = 1/m * np.dot(dZ2, A1)",
        False,
        mistake_words=("transpose",),
        layout="rows",
    ),
    _case(
        "weight-deltas-transposed",
        "https://github.com/iamtrask/Grokking-Deep-Learning/issues/23",
        "The book's weight_deltas = outer_prod(input, delta) is the transpose of the gradient "
        "(fixed to outer_prod(delta, input)); a 3-3 linear layer, over a batch with 1/m.",
        {"layers": (3, 3), "hidden": "relu", "output": "linear", "loss": "mse"},
        "dW1 = 1/m * np.dot(X, dZ1.T)",
        False,
        mistake_words=("transpose",),
    ),
    # ---------------------------------------------------------------- correct formulas
    _case(
        "tanh-of-cached-z1",
        FORUM + "w3-a1-ex-6-backward-propagation-assertionerror-wrong-values-for-dw1/66727",
        "Learner's exact lines (cache['Z1'] written Z1): right; the course's hidden test fails "
        "only because its cache holds unrelated random Z1 and A1.",
        PLANAR,
        """
dZ1 = np.dot(W2.T, dZ2) *(1 - np.tanh(Z1)**2)
dW1 = 1/m * np.dot(dZ1, X.T)
""",
        True,
    ),
    _case(
        "tanh-power-of-z1",
        FORUM + "w3-a1-ex-6-backward-propagation-using-a1-to-compute-dz1/359875",
        "Learner computed g1'(Z1) from Z1 rather than A1 and asks why the test prefers A1; the "
        "Z1 form, paraphrased (mathematically right).",
        PLANAR,
        "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(np.tanh(Z1), 2))",
        True,
    ),
    _case(
        "relu-int64-mask",
        FORUM + "c2-w1-regularization-exercise-2/98949",
        "Learner asks why the course multiplies dA by np.int64(A > 0); the course's line.",
        C2W1_L2,
        "dZ2 = np.multiply(dA2, np.int64(A2 > 0))",
        True,
    ),
    _case(
        "l2-lambd-w-over-m",
        FORUM + "dw-for-l2-regularization/165181",
        "The learner's second, passing line (the (λ/m) W term).",
        C2W1_L2,
        "dW1 = 1/m * np.dot(dZ1, X.T) + (lambd * W1) / m",
        True,
    ),
    _case(
        "l2-output-layer",
        "https://github.com/Jeraldy/deeplearning",
        "Learner's L2 notebook, the output layer's line marked '# CHANGED'.",
        {**PLANAR, "layers": (2, 400, 1), "hidden": "sigmoid", "l2": 0.1},
        "dW2 = (1/m)*np.dot(dZ2,A1.T) + (lambd * W2) / m",
        True,
    ),
    _case(
        "reg-utils-course-one-style",
        FORUM + "c2w1-a1-backward-propagation/213262",
        "Learner rewrites the C2W1 utility backward pass in Course 1's style; exact lines with "
        "the learner's lower-case dz3, a3, … capitalised to the course's names.",
        C2W1,
        """
dZ3 = (A3 - Y)
dW3 = 1/m * np.dot(dZ3, A2.T)
db3 = 1/m* np.sum(dZ3, axis=1, keepdims = True)
dA2 = np.dot(W3.T, dZ3)
dZ2 = np.multiply(dA2, np.int64(A2 > 0))
dW2 = 1/m * np.dot(dZ2, A1.T)
db2 = 1/m*np.sum(dZ2, axis=1, keepdims = True)
dA1 = np.dot(W2.T, dZ2)
dZ1 = np.multiply(dA1, np.int64(A1 > 0))
dW1 = 1/m*np.dot(dZ1, X.T)
db1 = 1/m*np.sum(dZ1, axis=1, keepdims = True)
""",
        True,
    ),
    _case(
        "reg-utils-one-over-m-in-dz3",
        FORUM + "c2w1-a1-backward-propagation/213262",
        "The utility code the learner questions puts 1/m once in dz3 and none in dW/db (mentor: "
        "'several correct ways'); paraphrased from the thread, judged as ∂J/∂· (exact).",
        C2W1,
        """
dZ3 = 1./m * (A3 - Y)
dW3 = np.dot(dZ3, A2.T)
db3 = np.sum(dZ3, axis=1, keepdims=True)
dA2 = np.dot(W3.T, dZ3)
dZ2 = np.multiply(dA2, np.int64(A2 > 0))
dW2 = np.dot(dZ2, A1.T)
db2 = np.sum(dZ2, axis=1, keepdims=True)
""",
        True,
        convention="exact",
    ),
    _case(
        "one-over-m-in-dzL",
        FORUM + "exercise-6-backward-propagation-in-programming-assignment-week-3/221994/3",
        "Learner suspects a typo and proposes dZ[L] = (1/m)(A[L] - Y), dW = dZ A.T, db = sum(dZ): "
        "equally right (exact convention); in NumPy.",
        PLANAR,
        """
dZ2 = (1/m) * (A2 - Y)
dW2 = np.dot(dZ2, A1.T)
db2 = np.sum(dZ2, axis=1, keepdims=True)
""",
        True,
        convention="exact",
    ),
    _case(
        "dAL-np-divide",
        "https://pylessons.com/Deep-neural-networks-part4",
        "Tutorial following the course's L_model_backward: the derivative of the cost with "
        "respect to AL (AL written A2 for a 2-layer network).",
        TWO_LAYER_RELU,
        "dA2 = - (np.divide(Y, A2) - np.divide(1 - Y, 1 - A2))",
        True,
    ),
    _case(
        "linear-backward-cache",
        "https://datahacker.rs/wp-content/uploads/2018/10/012_8.html",
        "Learner's linear_backward (cache[0] is A_prev, cache[1] is W), for layer 2 of a "
        "4-5-3-1 network.",
        DEEP,
        """
dW2 = (1/m) * np.dot(dZ2, A1.T)
db2 = (1/m) * np.sum(dZ2, axis = 1, keepdims = True)
dA1 = np.dot(W2.T, dZ2)
""",
        True,
    ),
    _case(
        "relu-backward-ge-zero",
        "http://runxinzhi.com/mtcnn-p-9422247.html",
        "Blog's relu_backward: dx = dout * (x >= 0) on the pre-activation x; differs from the "
        "course only at z = 0 exactly (a set of measure zero).",
        TWO_LAYER_RELU,
        "dZ1 = dA1 * (Z1 >= 0)",
        True,
    ),
    _case(
        "relu-backward-in-place",
        "https://github.com/WrathTitan/DLNeuralNetwork (StructuredModel/relu_backward.py)",
        "The course's relu_backward as the learner keeps it: copy dA, zero it where Z <= 0.",
        TWO_LAYER_RELU,
        """
dZ1 = np.array(dA1, copy=True)
dZ1[Z1 <= 0] = 0
""",
        True,
    ),
    _case(
        "sigmoid-backward-of-z",
        "https://github.com/fffaez/johnny_deep (johnny_deep/activations.py)",
        "Learner's sigmoid_backward: sig = sigmoid(Z); dA * sig * (1 - sig); inlined for the "
        "output layer.",
        TWO_LAYER_RELU,
        "dZ2 = dA2 * sigmoid(Z2) * (1 - sigmoid(Z2))",
        True,
    ),
    _case(
        "planar-six-equations",
        "https://github.com/hvsbombay/SOC-2025-DEEP-LEARNING-2025 "
        "(Week3/Hidden_Layer_Neural_Network/Exercise6.py)",
        "Learner's whole backward_propagation for the planar assignment.",
        PLANAR,
        """
dZ2 = A2 - Y
dW2 = (1/m) * np.dot(dZ2, A1.T)
db2 = (1/m) * np.sum(dZ2, axis=1, keepdims=True)
dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
dW1 = (1/m) * np.dot(dZ1, X.T)
db1 = (1/m) * np.sum(dZ1, axis=1, keepdims=True)
""",
        True,
    ),
    _case(
        "dropout-backward-mask-then-scale",
        "https://github.com/Synthaze/EpyNN (nnlibs/dropout/backward.py)",
        "Learner's dropout layer backward: dA = np.multiply(dA, D) then dA = dA / k; written for "
        "hidden layer 1 of the course's dropout network.",
        C2W1_DROPOUT,
        """
dA1 = np.dot(W2.T, dZ2)
dA1 = np.multiply(dA1, D1)
dA1 = dA1 / keep_prob
""",
        True,
    ),
    _case(
        "cs231n-rows-in-place-relu-mask",
        "https://github.com/g-eoj/cs231n (cs231n Two-Layer Backprop Mathematics Example)",
        "Learner's notebook follows cs231n's two-layer net step by step (dscores / N, "
        "grads['W2'] = h1ᵀ dscores, dh1 = dscores W2ᵀ, dh1[h1 <= 0] = 0, grads['W1'] = Xᵀ dh1); "
        "examples as rows, written in the course's names.",
        {"layers": (2, 2, 3), "hidden": "relu", "output": "softmax", "loss": "ce"},
        """
dZ2 = (A2 - Y) / m
dW2 = np.dot(A1.T, dZ2)
dZ1 = np.dot(dZ2, W2.T)
dZ1[A1 <= 0] = 0
dW1 = np.dot(X.T, dZ1)
""",
        True,
        layout="rows",
        convention="exact",
    ),
    _case(
        "sigmoid-hidden-trailing-over-m",
        "https://github.com/vishwagw/Building-Deep-learning-algorithms-from-scratch "
        "(forward_propogation.py)",
        "Learner's back_prop for a sigmoid hidden layer: /m written last, σ′ as a1*(1-a1); "
        "lower-case names (and total_input for X) capitalised; widths not given in the file.",
        {"layers": (2, 2, 1), "hidden": "sigmoid", "output": "sigmoid", "loss": "bce"},
        """
dZ2 = A2-Y
dW2 = np.dot(dZ2, A1.T)/m
dZ1 = np.dot(W2.T, dZ2) * A1*(1-A1)
dW1 = np.dot(dZ1, X.T)/m
""",
        True,
    ),
    _case(
        "dzL-general-formula",
        FORUM + "i-dont-know-the-difference-between-dzl-al-y-and-dzl-dal-g-zl/96740",
        "Learner asks why week 4 uses dZL = dAL * g'(ZL) where week 3 had A2 - Y; the general "
        "form at the sigmoid output, paraphrased.",
        PLANAR,
        "dZ2 = dA2 * A2 * (1 - A2)",
        True,
    ),
    _case(
        "dzL-a-minus-y-deep",
        FORUM + "getting-wrong-output-for-dz2-using-the-backward-test-case/656022",
        "Learner skips dAL and writes dZ2 = A2 - Y directly; right (the test fails only because "
        "its AL holds values above 1 that no sigmoid gives).",
        TWO_LAYER_RELU,
        "dZ2 = A2 - Y",
        True,
    ),
    # Held out: added after the checker was written (2026-12-04), not seen by its developers
    # ---------------------------------------------------------------- held out: wrong formulas
    _case(
        "held-tanh-prime-of-z1",
        FORUM + "c1w3a1-backward-propagation-valueerror-operands-could-not-be-broadcast-"
        "together-with-shapes-7-9-9-7/31965",
        "Learner's traceback shows this exact line, tanh' written as 1 - Z1**2 (the derivative "
        "taken at Z1 as if Z1 were the activation).",
        PLANAR,
        "dZ1 = np.multiply(1 - np.power(Z1, 2), np.dot(W2.T, dZ2))",
        False,
        mistake_words=("A1",),
    ),
    _case(
        "held-sigmoid-prime-with-cross-entropy",
        "https://github.com/mnielsen/neural-networks-and-deep-learning/pull/77",
        "PR 'fixed' network2.py's output delta by multiplying (a - y) by sigmoid_prime, although "
        "that file's cost is cross-entropy; one sigmoid output here, in the course's names.",
        {"layers": (4, 5, 1), "hidden": "sigmoid", "output": "sigmoid", "loss": "bce"},
        "dZ2 = (A2 - Y) * A2 * (1 - A2)",
        False,
        mistake_words=("sigmoid",),
    ),
    _case(
        "held-sigmoid-prime-of-z-with-cross-entropy",
        "https://github.com/MichalDanielDobrzanski/DeepLearningPython/issues/17",
        "Issue 'Missing sigmoid_prime()': delta = cost_derivative(a, y) * sigmoid_prime(z) "
        "proposed for network2.py (cross-entropy cost); in the course's names.",
        {"layers": (3, 6, 1), "hidden": "sigmoid", "output": "sigmoid", "loss": "bce"},
        "dZ2 = (A2 - Y) * sigmoid(Z2) * (1 - sigmoid(Z2))",
        False,
        mistake_words=("sigmoid",),
    ),
    _case(
        "held-mse-output-delta-without-sigmoid-prime",
        "https://github.com/jiexunsee/Neural-Network-with-Python/issues/1",
        "The repo's output delta was the raw error (target - output) with squared error and a "
        "sigmoid output; the issue adds the sigmoid derivative. Gradient sign, course names.",
        {"layers": (3, 5, 4, 1), "hidden": "sigmoid", "output": "sigmoid", "loss": "mse"},
        "dZ3 = A3 - Y",
        False,
        mistake_words=("sigmoid",),
    ),
    _case(
        "held-mse-delta-o-without-sigmoid-prime",
        "https://github.com/Bot-Academy/NeuralNetworkFromScratch/pull/3",
        "The repo's delta_o = o - l for a sigmoid output with squared error; the PR says the "
        "sigmoid derivative of the output layer is missing. Course names.",
        {"layers": (4, 5, 3), "hidden": "sigmoid", "output": "sigmoid", "loss": "mse"},
        "dZ2 = A2 - Y",
        False,
        mistake_words=("sigmoid",),
    ),
    _case(
        "held-relu2deriv-ge-on-activation",
        "https://github.com/iamtrask/Grokking-Deep-Learning/pull/13",
        "relu2deriv(layer_1) with >= on the ReLU's output is 1 everywhere (the PR replaces >= by "
        ">); examples as rows, linear output, squared error, gradient sign.",
        {"layers": (4, 5, 3), "hidden": "relu", "output": "linear", "loss": "mse"},
        "dZ1 = np.dot(dZ2, W2.T) * (A1 >= 0)",
        False,
        mistake_words=("A1 > 0",),
        layout="rows",
    ),
    _case(
        "held-dal-both-minus",
        "Course Q&A thread 'DeepLearning.AI Course 1 Week 4 Programming Assignment #2 Error' "
        "(community.deeplearning.ai, 2022-09-28, Thendral_Ganesh; read through a public mirror)",
        "Learner claims the notebook's dAL is wrong and that the 'correct formula' is "
        "-(Y/AL + (1-Y)/(1-AL)); AL written A2 for a 2-layer network.",
        TWO_LAYER_RELU,
        "dA2 = - (np.divide(Y, A2) + np.divide(1 - Y, 1 - A2))",
        False,
        mistake_words=("sign",),
    ),
    _case(
        "held-dal-from-lecture-transcription",
        "Course Q&A thread 'DeepLearning.AI Course 1 Week 4 Programming Assignment #2 Error' "
        "(community.deeplearning.ai, 2022-09-29, Thendral_Ganesh; read through a public mirror)",
        "Same learner transcribes the week-4 lecture as da = (y/a) + (1-y)/(1-a) (mentor: "
        "'you apparently transcribed it incorrectly'); in NumPy.",
        TWO_LAYER_RELU,
        "dA2 = np.divide(Y, A2) + np.divide(1 - Y, 1 - A2)",
        False,
        mistake_words=("sign",),
    ),
    _case(
        "held-softmax-backward-diagonal-only",
        "https://github.com/Apiquet/DeepLearningFrameworkFromScratchCpp/issues/1",
        "The repo's Softmax::backward is dout * s * (1 - s), only the diagonal of the softmax "
        "Jacobian (the issue asks for the other part); with cross-entropy, course names.",
        {"layers": (4, 5, 3), "hidden": "relu", "output": "softmax", "loss": "ce"},
        "dZ2 = dA2 * A2 * (1 - A2)",
        False,
        mistake_words=("softmax",),
    ),
    _case(
        "held-dropout-mask-line-left-out",
        "https://devhide.com/dropout-mask-in-back-propagation-77220003",
        "Learner asks why 'dA2 = dA2*D2' is needed after dA2 = np.dot(W3.T, dZ3); the pass "
        "without the mask (and so without the 1/keep_prob), in the course's names.",
        C2W1_DROPOUT,
        """
dA2 = np.dot(W3.T, dZ3)
dZ2 = np.multiply(dA2, np.int64(A2 > 0))
""",
        False,
        mistake_words=("keep_prob",),
        line=1,
    ),
    _case(
        "held-dropout-mask-as-relu-derivative",
        FORUM + "what-is-dz1-np-multiply-da1-np-int64-a1-0/194620",
        "Learner asks whether np.int64(A1 > 0) is the same as D1 (mentor: no); the pass with D1 "
        "in its place, in the course's names.",
        C2W1_DROPOUT,
        """
dA1 = np.dot(W2.T, dZ2)
dA1 = np.multiply(dA1, D1)
dA1 = dA1 / keep_prob
dZ1 = np.multiply(dA1, D1)
""",
        False,
        mistake_words=("relu",),
        line=4,
    ),
    _case(
        "held-linear-backward-multiply-for-dw",
        FORUM + "exercise-7-linear-backward/241052",
        "Learner's second try at linear_backward, exact line from the traceback (A_prev "
        "transposed, still np.multiply); A_prev, dZ, W are A1, dZ2, W2 of a 4-5-3-1 network.",
        DEEP,
        "dW2 = 1/m * np.multiply(A1.T, dZ2)",
        False,
        mistake_words=("elementwise",),
    ),
    _case(
        "held-linear-backward-db-axis-0",
        FORUM + "exercise-7-linear-backward/241052",
        "Same traceback, the learner's db line: summed over axis 0 (the units) instead of axis 1 "
        "(the examples); for layer 2 of a 4-5-3-1 network.",
        DEEP,
        "db2 = 1/m * np.sum(dZ2, axis=0, keepdims=True)",
        False,
        mistake_words=("axis",),
    ),
    _case(
        "held-linear-backward-multiply-for-da-prev",
        FORUM + "exercise-7-linear-backward/241052",
        "Same traceback, the learner's dA_prev line: np.multiply(dZ, W.T) where the mentor asks "
        "for a dot product; for layer 2 of a 4-5-3-1 network.",
        DEEP,
        "dA1 = np.multiply(dZ2, W2.T)",
        False,
        mistake_words=("elementwise",),
    ),
    # ---------------------------------------------------------------- held out: correct formulas
    _case(
        "held-mse-sigmoid-deltas-fixed",
        "https://github.com/louisjc/mnist-neural-network/issues/1",
        "The issue's corrected backpropagate: output_deltas = o(1 - o)(o - t), hidden_deltas = "
        "h(1 - h) * Wᵀ output_deltas (bias column dropped); course names.",
        {"layers": (4, 6, 3), "hidden": "sigmoid", "output": "sigmoid", "loss": "mse"},
        """
dZ2 = A2 * (1 - A2) * (A2 - Y)
dZ1 = A1 * (1 - A1) * np.dot(W2.T, dZ2)
""",
        True,
    ),
    _case(
        "held-linear-backward-divide-by-m",
        "https://github.com/Kulbear/deep-learning-coursera/issues/8",
        "A commenter's linear_backward (cache[0] is A_prev, cache[1] is W), / m written last; "
        "for layer 2 of a 4-5-3-1 network.",
        DEEP,
        """
dW2 = np.dot(dZ2, A1.T) / m
db2 = np.sum(dZ2, axis=1, keepdims=True) / m
dA1 = np.dot(W2.T, dZ2)
""",
        True,
    ),
    _case(
        "held-relu2deriv-on-pre-activation",
        "https://github.com/iamtrask/Grokking-Deep-Learning/issues/9",
        "Learner separates layer_1 (pre-activation) from layer_1_relu and applies relu2deriv "
        "(>= 0) to the pre-activation; examples as rows, course names.",
        {"layers": (4, 5, 3), "hidden": "relu", "output": "linear", "loss": "mse"},
        "dZ1 = np.dot(dZ2, W2.T) * (Z1 >= 0)",
        True,
        layout="rows",
    ),
    _case(
        "held-relu-delta-zeroed-on-output",
        "https://github.com/scikit-learn/scikit-learn/issues/14244",
        "Learner proposes delta[Z <= 0] = 0 where Z is the ReLU's output (sklearn MLP: examples "
        "as rows, softmax + log loss); course names.",
        {"layers": (3, 4, 3), "hidden": "relu", "output": "softmax", "loss": "ce"},
        """
dZ1 = np.dot(dZ2, W2.T)
dZ1[A1 <= 0] = 0
""",
        True,
        layout="rows",
    ),
    _case(
        "held-sigmoid-bce-without-sigma-prime",
        "https://github.com/hunkim/DeepLearningZeroToAll/issues/20",
        "Learner argues the lab's backprop needs no sigma_prime with cross-entropy and must divide "
        "d_w by N; one sigmoid output here (the lab has 7), examples as rows, course names.",
        {"layers": (16, 1), "hidden": "relu", "output": "sigmoid", "loss": "bce"},
        """
dZ1 = A1 - Y
dW1 = np.dot(X.T, dZ1) / m
""",
        True,
        layout="rows",
    ),
    _case(
        "held-l2-blog-full-pass",
        "https://www.jianshu.com/p/5e1e640525d6",
        "Learner's blog notes on the C2W1 regularisation assignment: their whole "
        "backward_propagation_with_regularization.",
        C2W1_L2,
        """
dZ3 = A3 - Y
dW3 = 1./m * np.dot(dZ3, A2.T) +  lambd/m * W3
db3 = 1./m * np.sum(dZ3, axis=1, keepdims = True)
dA2 = np.dot(W3.T, dZ3)
dZ2 = np.multiply(dA2, np.int64(A2 > 0))
dW2 = 1./m * np.dot(dZ2, A1.T) + lambd/m * W2
db2 = 1./m * np.sum(dZ2, axis=1, keepdims = True)
dA1 = np.dot(W2.T, dZ2)
dZ1 = np.multiply(dA1, np.int64(A1 > 0))
dW1 = 1./m * np.dot(dZ1, X.T) + lambd/m * W1
""",
        True,
    ),
    _case(
        "held-softmax-dz-s-minus-y",
        "https://github.com/LittletreeZou/Python-Projects/issues/1",
        "Reader asks why the notebook's softmax backward is dz = s - Y; that line, for a "
        "relu → softmax network in the course's names.",
        {"layers": (4, 5, 3), "hidden": "relu", "output": "softmax", "loss": "ce"},
        "dZ2 = A2 - Y",
        True,
    ),
    _case(
        "held-dropout-course-lines",
        FORUM + "what-is-dz1-np-multiply-da1-np-int64-a1-0/194620",
        "The course's dropout backward lines the learner quotes (dA1 /= keep_prob written "
        "dA1 = dA1 / keep_prob), after dA1 = W2ᵀ dZ2.",
        C2W1_DROPOUT,
        """
dA1 = np.dot(W2.T, dZ2)
dA1 = np.multiply(dA1, D1)
dA1 = dA1 / keep_prob
dZ1 = np.multiply(dA1, np.int64(A1 > 0))
""",
        True,
    ),
    # Held out, round 2: added after the checker was written (2026-12-04)
    # ---------------------------------------------------------------- held out 2: wrong formulas
    _case(
        "held2-linear-backward-one-over-m-in-da-prev",
        "https://github.com/Achleshwar/Day_Night_Classifier "
        "(backward_propagation/back_propagation.py)",
        "Learner's relu_backward (np.where(Z >= 0, 1, 0)) and linear_backward, which also scales "
        "dA_prev by 1/m; for layer 2 of a 4-5-3-1 network, course names.",
        DEEP,
        """
dZ2 = np.multiply(dA2, np.where(Z2 >= 0, 1, 0))
dW2 = (1/m)*np.dot(dZ2, A1.T)
db2 = (1/m)*np.sum(dZ2 , axis =1, keepdims = True)
dA1 = (1/m)*np.dot(W2.T, dZ2)
""",
        False,
        mistake_words=("1/m",),
        line=4,
    ),
    _case(
        "held2-gradcheck-dw2-times-two",
        "https://github.com/bighuang624/Andrew-Ng-Deep-Learning-notes/issues/10",
        "Learner's backward_propagation_n (C2W1 gradient checking) still has dW2 = 1./m * "
        "np.dot(dZ2, A1.T) * 2 and gets difference = 0.17; the pass from dA2 on, exact lines.",
        DEEP,
        """
dA2 = np.dot(W3.T, dZ3)
dZ2 = np.multiply(dA2, np.int64(A2 > 0))
dW2 = 1./m * np.dot(dZ2, A1.T) * 2
db2 = 1./m * np.sum(dZ2, axis=1, keepdims = True)
dA1 = np.dot(W2.T, dZ2)
dZ1 = np.multiply(dA1, np.int64(A1 > 0))
dW1 = 1./m * np.dot(dZ1, X.T)
db1 = 1./m * np.sum(dZ1, axis=1, keepdims = True)
""",
        False,
        mistake_words=("factor",),
        line=3,
    ),
    _case(
        "held2-gradcheck-db1-four-over-m",
        "https://github.com/bighuang624/Andrew-Ng-Deep-Learning-notes/issues/10",
        "Same issue: the notebook's backward_propagation_n also had db1 = 4./m * np.sum(dZ1, …), "
        "the issue's second wrong line; exact line.",
        DEEP,
        "db1 = 4./m * np.sum(dZ1, axis=1, keepdims = True)",
        False,
        mistake_words=("factor",),
    ),
    _case(
        "held2-dropout-multiply-by-keep-prob",
        "Course Q&A thread 'Regularization: The Backpropagation with Dropout' "
        "(community.deeplearning.ai, 2022-09-04, He_Nantian; read through a public mirror)",
        "Learner asks why dA2 is divided by keep_prob instead of multiplied ('if A2 is divided by "
        "a number, dA2 will be multiplied by the same number'); their version, course names.",
        C2W1_DROPOUT,
        """
dA2 = np.dot(W3.T, dZ3)
dA2 = dA2 * D2
dA2 = dA2 * keep_prob
""",
        False,
        mistake_words=("keep_prob",),
        line=3,
    ),
    _case(
        "held2-db-from-dot-with-input",
        "https://github.com/rust0258/Deeplearning.ai-Natural-Language-Processing-Specialization/"
        "issues/62",
        "NLP C2W4 CBOW back_prop: grad_b1 = np.sum((1/batch_size)*np.dot(l1, x.T), axis=1, "
        "keepdims=True), the bias gradient taken from the weight gradient; course names.",
        {"layers": (5, 3, 5), "hidden": "relu", "output": "softmax", "loss": "ce"},
        "db1 = np.sum((1/m)*np.dot(dZ1, X.T), axis=1, keepdims=True)",
        False,
        mistake_words=("X",),
    ),
    _case(
        "held2-dz1-as-a1-minus-y",
        FORUM + "could-someone-help-explain-about-this-to-me/336971",
        "Learner asks about the week-3 slide: 'why it not be dz[1] = a[1] - y ?' (the output "
        "layer's shortcut reused for the hidden layer); in NumPy.",
        PLANAR,
        "dZ1 = A1 - Y",
        False,
        mistake_words=("W2",),
    ),
    # ---------------------------------------------------------------- held out 2: correct formulas
    _case(
        "held2-linear-backward-keepdims-first",
        "https://github.com/mohaddesse/tunning_deep_learning",
        "Learner's linear_activation_backward (keepdims before axis, no spaces); the linear part "
        "for layer 2 of a 4-5-3-1 network.",
        DEEP,
        """
dW2 = (1/m)*np.dot(dZ2,A1.T)
db2 = (1/m)*np.sum(dZ2,keepdims=True,axis=1)
dA1 = np.dot(W2.T,dZ2)
""",
        True,
    ),
    _case(
        "held2-linear-backward-with-l2",
        "https://github.com/muhammadhamzach/DeepLearningProjects "
        "(L_LayerNeuralNetwork/linear_backward.py)",
        "Learner's linear_backward(dZ, lambd, cache) adds the L2 term inside linear_backward; for "
        "layer 2 of the C2W1 network with lambd.",
        C2W1_L2,
        """
dW2 = (1/m)*np.dot(dZ2,A1.T)+ (lambd/m)*W2
db2 = (1/m)*np.sum(dZ2,axis=1,keepdims=True)
dA1 = np.dot(W2.T,dZ2)
""",
        True,
    ),
    _case(
        "held2-cbow-backprop-mask-on-z1",
        "https://github.com/shantanu1109/Coursera-DeepLearning.AI-Natural-Language-Processing-"
        "Specialization/issues/1",
        "Issue's corrected NLP C2W4 back_prop: l1 = W2ᵀ(yhat - y), l1[z1 < 0] = 0, no dZ2 "
        "variable, / batch_size last; course names.",
        {"layers": (5, 3, 5), "hidden": "relu", "output": "softmax", "loss": "ce"},
        """
dZ1 = np.dot(W2.T,(A2-Y))
dZ1[Z1 < 0] = 0
dW1 = np.dot(dZ1, X.T) / m
dW2 = np.dot((A2-Y),A1.T) / m
db1 = np.sum(dZ1, axis=1, keepdims=True) / m
db2 = np.sum((A2-Y), axis=1, keepdims=True) / m
""",
        True,
    ),
    _case(
        "held2-db-as-dot-with-ones",
        "https://github.com/rust0258/Deeplearning.ai-Natural-Language-Processing-Specialization/"
        "issues/62",
        "The issue's suggested fix: grad_b1 = np.dot(l1, np.ones((batch_size, 1))) / batch_size; "
        "course names.",
        {"layers": (5, 3, 5), "hidden": "relu", "output": "softmax", "loss": "ce"},
        "db1 = np.dot(dZ1,np.ones((m,1)))/m",
        True,
    ),
    _case(
        "held2-datahacker-backward-pass",
        "http://media5.datahacker.rs/2018/10/010_backward_pass.html",
        "A learner's blog notebook for the planar-data network: backward_pass with (1 / m) and "
        "np.multiply(np.dot(W2.T, dZ2), 1 - np.power(A1, 2)).",
        PLANAR,
        """
dZ2= A2 - Y
dW2 = (1 / m) * np.dot(dZ2, A1.T)
db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
dZ1 = np.multiply(np.dot(W2.T, dZ2), 1 - np.power(A1, 2))
dW1 = (1 / m) * np.dot(dZ1, X.T)
db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
""",
        True,
    ),
)
