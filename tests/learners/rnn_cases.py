"""Real learners' RNN and LSTM backward passes (Course 5, week 1, "Building your Recurrent Neural
Network - Step by Step"), each from a public post: the course's forum or a learner's repository.

A case's file (under ``rnn/``) holds the learner's functions. Code from a GitHub repository is the
learner's own, verbatim except that docstrings and comments were removed (and the text re-printed
by ``ast.unparse``). A forum post usually shows only the learner's changed line(s), or moderators
removed the rest: then the file is the course's functions (tests/test_rnn_check.py's COURSE /
COURSE_LSTM) with the learner's line(s) put in, and the paraphrase says so.

``learner`` names the functions that are the learner's own (only those are counted); ``wrong``
maps each of them that is wrong to the mistakes a good diagnosis names: the words it contains
(in the finding's title, why or corrected line, case-insensitively) and a piece of the learner's
line where it is made. The verdicts come from the mathematics; ``test_rnn_posts.py`` holds them
to PyTorch autograd, independently of chainrule's judge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent / "rnn"

Expect = tuple[tuple[str, ...], str]  # (words, a piece of the line)


@dataclass(frozen=True)
class RnnCase:
    id: str
    source: str
    paraphrase: str
    learner: tuple[str, ...]
    wrong: dict[str, tuple[Expect, ...]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return (HERE / f"{self.id}.txt").read_text()

    def line(self, piece: str) -> int:
        return next(k for k, s in enumerate(self.text.splitlines(), 1) if piece in s)


_NEXT = ("next step",)
_OUTPUT = ("output",)
_OVERWRITE = ("+=",)

CASES = (
    # -- wrong ---------------------------------------------------------------------------------
    RnnCase(
        "forum_48297",
        "https://community.deeplearning.ai/t/c5-w1a1-optional-rnn-back-propagation/48297",
        "rnn_backward calls the cell with da[:, :, t] alone (the next step's da_prevt left out); "
        "the learner's rnn_backward as posted, the course's cell (theirs matched the expected "
        "output)",
        ("rnn_backward",),
        {"rnn_backward": ((_NEXT, "rnn_cell_backward(da[:, :, t], caches[t])"),)},
    ),
    RnnCase(
        "forum_555129",
        "https://community.deeplearning.ai/t/question-on-backpropagation-week-1-prog-assignment-1/555129",
        "'right dimensions, but all outputs are zero': the cell called with da_prevt alone (the "
        "output's gradient left out); the learner's rnn_backward as posted",
        ("rnn_backward",),
        {"rnn_backward": ((_OUTPUT, "rnn_cell_backward(da_prevt"),)},
    ),
    RnnCase(
        "forum_157244",
        "https://community.deeplearning.ai/t/d5w1-a1-assignment-exercise-6-rnn-backward-need-help/157244",
        "the learner's cell recomputes tanh′ from Wax xt + Waa a_prev + ba (right, it matched "
        "the expected output: the fixture prints the post's numbers) and rnn_backward calls it "
        "with da_prevt alone; the lines shown in the traceback, the rest of rnn_backward the "
        "course's",
        ("rnn_cell_backward", "rnn_backward"),
        {"rnn_backward": ((_OUTPUT, "rnn_cell_backward(da_prevt"),)},
    ),
    RnnCase(
        "forum_lucy_transpose",
        "Course Q&A thread 'C5W1 Exercise 5 - rnn_cell_backward' (Lucy_Hui, 8 June 2022), as "
        "stored in https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1",
        "dxt = np.dot(Wax,dtanh) and dWax = np.dot(xt,dtanh) ('shapes (5,3) and (5,10) not "
        "aligned'; a reply: 'I missed the transpose'); the other lines the course's",
        ("rnn_cell_backward",),
        {
            "rnn_cell_backward": (
                (("transpose",), "dxt = np.dot(Wax,dtanh)"),
                (("transpose",), "dWax = np.dot(xt,dtanh)"),
            )
        },
    ),
    RnnCase(
        "forum_405415",
        "https://community.deeplearning.ai/t/dls-c5-week-1-ex7-lstm-cell-backward/405415",
        "the gates' whole weights (W.T, shape (8, 5)) in da_prev and dxt, so both come out "
        "(8, 10); the mentor: equation 19 takes W[:, :n_a], equation 21 W[:, n_a:]; code not "
        "shown, the mistake written into the course's cell, which then prints the post's "
        "dxt[1][2] = 0.3695862892930779 (the same question: Manu_Dwivedi, Course Q&A, 16 Feb "
        "2023, in https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1)",
        ("lstm_cell_backward",),
        {"lstm_cell_backward": ((("n_a",), "da_prev = ("), (("n_a",), "dxt = ("))},
    ),
    RnnCase(
        "github_ernestng11_lstm",
        "https://github.com/ernestng11/rnn-from-scratch/blob/main/lstm_backward.py",
        "lstm_backward calls the cell with da[:, :, t] and never updates da_prevt or dc_prevt "
        "from the cell's da_prev/dc_prev (the same loop is in zhaojiachen1994/rnnLearning "
        "LSTM_BACKWARD.py and sagarnildass/andrew_ng_deep_learning, whose issue #1 reports "
        "'da_prevt never get update, always zeros'); the cell is right",
        ("lstm_cell_backward", "lstm_backward"),
        {
            "lstm_backward": (
                (_NEXT, "lstm_cell_backward(da[:, :, t], dc_prevt"),
                (("da_prevt", "dc_prevt"), "dx[:, :, t] = gradients['dxt']"),
            )
        },
    ),
    RnnCase(
        "github_bosonfields_lstm",
        "https://github.com/bosonfields/DeepLearning-course-project/blob/master/"
        "Dinosaurus_name_-_shakespear/rnn_stepbystep.py",
        "lstm_backward passes da[:, :, t] + da_prevt and dc_prevt but never updates them from "
        "the cell's da_prev/dc_prev (they stay zero); the cell, with np.concatenate inline in "
        "each dW, is right (the same code in a learner's blog, ZJUFangzh/ZJUFangzh.github.io "
        "source/_posts/dl-ai-5-1h.md)",
        ("lstm_cell_backward", "lstm_backward"),
        {"lstm_backward": ((("da_prevt", "dc_prevt"), "dx[:, :, t] = gradients['dxt']"),)},
    ),
    RnnCase(
        "github_muhac_lstm",
        "https://github.com/muhac/coursera-deep-learning-solutions/blob/master/"
        "E - Sequence Models/week 1/Building_a_Recurrent_Neural_Network_Step_by_Step_v3a.py",
        "the cell keeps dot, dcct, dit, dft before the gates' derivatives (applied only in dW "
        "and db), so da_prev and dxt lack σ′ and tanh′; lstm_backward assigns every dW and db "
        "(=) instead of adding (+=)",
        ("lstm_cell_backward", "lstm_backward"),
        {
            "lstm_cell_backward": (
                (("derivative",), "da_prev = "),
                (("derivative",), "dxt = "),
            ),
            "lstm_backward": tuple(
                (_OVERWRITE, f"{g} = gradients['{g}']")
                for g in ("dWf", "dWi", "dWc", "dWo", "dbf", "dbi", "dbc", "dbo")
            ),
        },
    ),
    # -- right, written in other ways ------------------------------------------------------------
    RnnCase(
        "github_muhac_rnn",
        "https://github.com/muhac/coursera-deep-learning-solutions/blob/master/"
        "E - Sequence Models/week 1/Building_a_Recurrent_Neural_Network_Step_by_Step_v3a.py",
        "dz = 1 - np.power(a_next, 2), da_next * dz written out in every product; caches[1] "
        "read for the shapes",
        ("rnn_cell_backward", "rnn_backward"),
    ),
    RnnCase(
        "github_jinzishuai_rnn",
        "https://github.com/jinzishuai/learn2deeplearn/blob/master/deeplearning.ai/"
        "C5.SequenceModel/Week1_RNN/assignment/Building a Recurrent Neural Network - Step by "
        "Step/hw1.py",
        "np.matmul throughout, tanh′ recomputed as 1 - np.power(np.tanh(Wax xt + Waa a_prev + "
        "ba), 2), da_prevt + da[:, :, t], da0 first set to da[:, :, T_x - 1]",
        ("rnn_cell_backward", "rnn_backward"),
    ),
    RnnCase(
        "github_jinzishuai_lstm_cell",
        "https://github.com/jinzishuai/learn2deeplearn/blob/master/deeplearning.ai/"
        "C5.SequenceModel/Week1_RNN/assignment/Building a Recurrent Neural Network - Step by "
        "Step/hw1.py",
        "the gates' derivatives applied in a second line (dit = dit * it * (1 - it), dot = dot), "
        "concat filled by slices of np.zeros, W.T[:n_a, :] slicing, np.matmul",
        ("lstm_cell_backward",),
    ),
    RnnCase(
        "github_bosonfields_rnn",
        "https://github.com/bosonfields/DeepLearning-course-project/blob/master/"
        "Dinosaurus_name_-_shakespear/rnn_stepbystep.py",
        "np.transpose(Wax) for Wax.T, da_prevt + da[:, :, t]",
        ("rnn_cell_backward", "rnn_backward"),
    ),
    RnnCase(
        "github_ernestng11_rnn",
        "https://github.com/ernestng11/rnn-from-scratch/blob/main/rnn_backward.py",
        "dz for dtanh, np.sum(dz, 1, keepdims=True) with the axis positional",
        ("rnn_cell_backward", "rnn_backward"),
    ),
    RnnCase(
        "github_zhaojiachen1994_lstm_cell",
        "https://github.com/zhaojiachen1994/rnnLearning/blob/master/LETM_CELL_BACKWARD.py",
        "np.square(np.tanh(c_next)), keepdims = True, parameters['Wf'][:, :n_a].T",
        ("lstm_cell_backward",),
    ),
    # -- held out: added after the fixes above, measured once, the checker not changed after ------
    RnnCase(
        "github_alberthg_lstm",
        "https://github.com/AlbertHG/Coursera-Deep-Learning-deeplearning.ai/blob/master/"
        "05-Sequence Models/week1/Building a Recurrent Neural Network Step by Step/"
        "Building+a+Recurrent+Neural+Network+-+Step+by+Step+-+v1.ipynb",
        "lstm_backward calls the cell with da[:, :, t] and never reads da_prev/dc_prev back "
        "(dW = dW + … accumulates); the cell, with concat transposed once, is right",
        ("lstm_cell_backward", "lstm_backward"),
        {
            "lstm_backward": (
                (_NEXT, "lstm_cell_backward(da[:, :, t], dc_prevt"),
                (("da_prevt", "dc_prevt"), "dx[:, :, t] = gradients['dxt']"),
            )
        },
    ),
    RnnCase(
        "github_alberthg_rnn",
        "https://github.com/AlbertHG/Coursera-Deep-Learning-deeplearning.ai/blob/master/"
        "05-Sequence Models/week1/Building a Recurrent Neural Network Step by Step/"
        "Building+a+Recurrent+Neural+Network+-+Step+by+Step+-+v1.ipynb",
        "(1 - a_next * a_next), np.sum(dtanh, keepdims=True, axis=-1), np.zeros([n_a, m])",
        ("rnn_cell_backward", "rnn_backward"),
    ),
    RnnCase(
        "github_shivamaggarwal513_rnn",
        "https://github.com/shivamaggarwal513/coursera-deep-learning-specialization/blob/master/"
        "c5-sequence-models/week-1/a1-building-your-recurrent-neural-network/"
        "a1_building_your_recurrent_neural_network.ipynb",
        "@ for every product, np.zeros_like(parameters['Wax']) and the cell's gradients read "
        "straight from the dictionary",
        ("rnn_cell_backward", "rnn_backward"),
    ),
    RnnCase(
        "github_shivamaggarwal513_lstm",
        "https://github.com/shivamaggarwal513/coursera-deep-learning-specialization/blob/master/"
        "c5-sequence-models/week-1/a1-building-your-recurrent-neural-network/"
        "a1_building_your_recurrent_neural_network.ipynb",
        "dc_next1 = dc_next + da_next * ot * (1 - tanh(c_next)²) shared by the gates and "
        "dc_prev = dc_next1 * ft, np.concatenate([a_prev, xt]) with the default axis, @",
        ("lstm_cell_backward", "lstm_backward"),
    ),
    # -- held out, second batch (found after the first held-out measurement), measured once -------
    RnnCase(
        "github_kulbear_lstm",
        "https://github.com/Kulbear/deep-learning-coursera/pull/41 (Sequence Models/Building a "
        "Recurrent Neural Network - Step by Step - v2.ipynb)",
        "the cell reads Wf, Wi, Wc, Wo as globals (the notebook's test cell defines them, so its "
        "check passes) where parameters['Wf'] … belong; lstm_backward never reads da_prev/dc_prev "
        "back into da_prevt/dc_prevt",
        ("lstm_cell_backward", "lstm_backward"),
        {
            "lstm_cell_backward": (
                (("parameters",), "da_prev = "),
                (("parameters",), "dxt = "),
            ),
            "lstm_backward": ((("da_prevt", "dc_prevt"), "dx[:, :, t] = gradients['dxt']"),),
        },
    ),
)
