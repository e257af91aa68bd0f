"""The checker measured on real learners' formulas (``cases.py``): the three rates of issue #10.

Every case of the catalogue is checked as a learner would check it — one line with
``cr.check_formula``, a whole pass with ``cr.check_backward`` — and the verdict is compared with
the catalogue's, which was decided from the course's mathematics (held to an independent NumPy
check by ``test_cases_wellformed.py``), never from chainrule's answer. A diagnosis "names the
learner's mistake" when it contains every one of the case's ``mistake_words`` (and, for a pass,
puts it on the catalogue's ``line``).

* ≥ 95 % of the wrong formulas are judged wrong (not correct, not accepted by coincidence);
* ≥ 80 % of the wrong formulas get a diagnosis that names the learner's actual mistake;
* 100 % of the correct formulas, however written, are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import chainrule as cr

from .cases import CASES, Case

WRONG_JUDGED_WRONG = 0.95
DIAGNOSED = 0.80
CORRECT_ACCEPTED = 1.00


@dataclass(frozen=True)
class Outcome:
    case: Case
    accepted: bool
    words: str  # everything the answer says about the mistake, lowercased
    line: int | None  # a pass: the first line judged wrong
    lines: tuple[int, ...]  # every line that made that statement's value
    read: bool = True  # False: refused as unreadable (a clear error, but no verdict)

    @property
    def named(self) -> bool:
        has_words = all(w.lower() in self.words for w in self.case.mistake_words)
        if self.case.line is None:
            return has_words
        return has_words and self.case.line in self.lines


def check(case: Case) -> Outcome:
    try:
        return _check(case)
    except cr.ChainruleError as e:  # refused: neither judged wrong nor diagnosed
        return Outcome(case, False, f"refused: {e}".lower(), None, (), read=False)


def _check(case: Case) -> Outcome:
    net = case.network()
    if len(case.lines) > 1:
        r = cr.check_backward(net, case.formula, convention=case.convention)
        wrong = r.wrong
        words = " ".join(_words(c.check) for c in wrong)
        first = wrong[0] if wrong else None
        return Outcome(
            case,
            r.correct,
            words,
            first.line if first else None,
            first.lines if first else (),
        )
    r = cr.check_formula(net, case.formula, convention=case.convention)
    return Outcome(case, r.correct, _words(r), None, ())


def _words(r: cr.check.FormulaCheck) -> str:
    return " ".join([r.title, r.message, r.diagnosis or "", *r.mistakes, r.corrected]).lower()


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    return [check(c) for c in CASES]


def _rate(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def test_the_three_rates(outcomes: list[Outcome]) -> None:
    wrong = [o for o in outcomes if not o.case.correct]
    right = [o for o in outcomes if o.case.correct]
    judged_wrong = _rate(sum(o.read and not o.accepted for o in wrong), len(wrong))
    diagnosed = _rate(sum(o.read and not o.accepted and o.named for o in wrong), len(wrong))
    accepted = _rate(sum(o.accepted for o in right), len(right))
    print(
        f"\ncatalogue: {len(outcomes)} cases ({len(wrong)} wrong, {len(right)} correct)\n"
        f"  wrong formulas judged wrong:     {judged_wrong:6.1%} (≥ {WRONG_JUDGED_WRONG:.0%})\n"
        f"  wrong formulas, mistake named:   {diagnosed:6.1%} (≥ {DIAGNOSED:.0%})\n"
        f"  correct formulas accepted:       {accepted:6.1%} (≥ {CORRECT_ACCEPTED:.0%})"
    )
    for o in wrong:
        if o.accepted or not o.named or not o.read:
            print(f"  not named: {o.case.id}: {o.words[:160]}")
    for o in right:
        if not o.accepted:
            print(f"  not accepted: {o.case.id}: {o.words[:160]}")
    assert judged_wrong >= WRONG_JUDGED_WRONG
    assert diagnosed >= DIAGNOSED
    assert accepted >= CORRECT_ACCEPTED


@pytest.mark.parametrize("case", [c for c in CASES if not c.correct], ids=lambda c: c.id)
def test_no_wrong_formula_is_called_correct(case: Case) -> None:
    # the first rate allows 5 % misses; a wrong formula called plainly correct is never allowed
    o = check(case)
    assert not o.accepted, (case.id, o.words[:300])
