"""The issue's "done when": a teacher generates 30 seeded variants, a learner answers them in the
terminal and gets the named mistake and partial credit, and the class report counts the mistakes.

The wrong answers are the course's classic slips, written into each variant's model answer: the
forgotten 1/m of dW and db, the activation g(Z) where its derivative belongs, the missing transpose
of W in dA, and a 1/m too many.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from chainrule.cli import cli, main
from chainrule.exercise import DEFAULT_CREDIT

DERIVATIVE = {"tanh": "(1 - A{l}**2)", "sigmoid": "A{l} * (1 - A{l})", "relu": "(Z{l} > 0)"}


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "chainrule", *args],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "100"},
    )


def slip(variant: dict) -> tuple[str, str]:
    """A wrong answer with one known mistake, and that mistake's name."""
    spec, solution = variant["spec"], variant["solution"]
    q, conv, L = spec["quantity"], spec["convention"], len(spec["layers"]) - 1
    lines = solution.splitlines()
    if q == "backward":  # the learner forgets the 1/m of dW1 (course) or adds one (exact)
        k = next(i for i, line in enumerate(lines) if line.startswith("dW1"))
        wrong, name = _one(lines[k], "dW1", conv, 1, L, spec)
        return "\n".join(lines[:k] + [wrong] + lines[k + 1 :]), name
    return _one(solution, q, conv, int(q[2:]), L, spec)


def _one(line: str, q: str, conv: str, l: int, L: int, spec: dict) -> tuple[str, str]:
    target, rhs = line.split(" = ", 1)
    if q[:2] in ("dW", "db") and conv == "course":
        assert rhs.startswith("1 / m * ")
        return f"{target} = {rhs.removeprefix('1 / m * ')}", "missing-1/m"
    if q.startswith("dZ") and l < L:
        g = DERIVATIVE[spec["hidden"][l - 1]].format(l=l)
        assert g in rhs
        return f"{target} = {rhs.replace(g, f'A{l}')}", "activation-instead-of-derivative"
    if q.startswith("dA") and l < L:
        assert f"W{l + 1}.T" in rhs
        return f"{target} = {rhs.replace(f'W{l + 1}.T', f'W{l + 1}')}", "missing-transpose"
    return f"{target} = 1 / m * ({rhs})", "extra-1/m"


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = tmp_path_factory.mktemp("variants")
    r = run("exercise", "batch", "--count", "30", "--seed", "1", "--out", str(out))
    assert r.returncode == 0, r.stderr
    index = json.loads((out / "index.json").read_text())
    assert [v["id"].split("-")[0] for v in index] == [str(s) for s in range(1, 31)]
    found = [json.loads((out / f"exercise-{s}.json").read_text()) for s in range(1, 31)]
    for v in found:
        assert (out / f"exercise-{v['spec']['seed']}.md").read_text().startswith("# Exercise")
        assert [h["name"] for h in v["hints"]][-1] == "the answer"
    return found


def test_the_30_variants_differ(variants: list[dict]) -> None:
    assert len({v["question"] for v in variants}) == 30
    assert len({v["network"] for v in variants}) >= 8


def test_a_learner_answers_the_30_variants_in_the_terminal(variants: list[dict]) -> None:
    named = []
    for v in variants:
        s = v["spec"]
        flags = ["--seed", str(s["seed"])]
        wrong, mistake = slip(v)
        if s["quantity"] == "backward":
            wrong, right = wrong.replace("\n", "; "), v["solution"].replace("\n", "; ")
        else:
            right = v["solution"]
        # the session reads standard input line by line (a real pipe: the tests further down)
        r = CliRunner().invoke(cli, ["exercise", *flags], input=f"hint\n{wrong}\n{right}\n")
        assert r.exit_code == 0, r.output
        out = r.output
        assert "Hint 1 of 4: the chain" in out
        first, second = out.split("Score: ")[1:3] if s["quantity"] != "backward" else ("", "")
        if s["quantity"] != "backward":
            credit = DEFAULT_CREDIT[mistake]
            assert first.startswith(f"{credit:.2f}"), (v["id"], out)
            assert second.startswith("1.00")
        assert "best score: 1.00" in out and "Attempts: " in out
        named.append((v["id"], mistake, out))
    # the mistake is named in the learner's terms: each slip's title appears in the feedback
    titles = {
        "missing-1/m": "a missing 1/m",
        "extra-1/m": "a 1/m too many",
        "activation-instead-of-derivative": "g(Z) where g′(Z) belongs",
        "missing-transpose": "a missing transpose",
    }
    for ex_id, mistake, out in named:
        assert f"it looks like {titles[mistake]}" in out, (ex_id, out)
    assert {m for _, m, _ in named} == set(titles)


def test_json_grading_names_the_mistake_with_partial_credit(variants: list[dict], capsys) -> None:
    for v in variants:  # in this process (the terminal test above starts one per variant)
        wrong, mistake = slip(v)
        status = main(
            ["exercise", "--seed", str(v["spec"]["seed"]), "--answer", wrong, "--format", "json"]
        )
        assert status == 1  # wrong: exit status 1
        g = json.loads(capsys.readouterr().out)
        assert g["exercise"] == v["id"] and g["mistakes"] == [mistake] and not g["correct"]
        parts = g["parts"] or [g]
        if v["spec"]["quantity"] == "backward":
            n = len(parts)
            assert g["score"] == pytest.approx((n - 1 + DEFAULT_CREDIT[mistake]) / n)
        else:
            assert g["score"] == DEFAULT_CREDIT[mistake]
            assert g["note"] == f"{v['spec']['quantity']}-{mistake}"
        assert v["solution"].split(" = ", 1)[1].splitlines()[0] not in g["feedback"]


def test_the_class_report_counts_the_mistakes(
    variants: list[dict], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    rows, expected = [], {}
    for v in variants:
        wrong, mistake = slip(v)
        seed = v["spec"]["seed"]
        rows += [("ada", seed, v["solution"]), ("bo", seed, wrong), ("cy", seed, wrong)]
        rows.append(("di", seed, ""))
        expected[v["id"]] = mistake
    path = tmp_path / "submissions.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", "exercise", "answer"])
        w.writerows(rows)
    r = run("exercise", "report", str(path), "--format", "json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["submissions"] == 120 and len(report["questions"]) == 30
    for q in report["questions"]:
        assert q["mistakes"] == {expected[q["id"]]: 2}, q
        assert q["correct"] == 1 and q["problems"] == {"empty": 1}
        by = {s["student"]: s for s in q["students"]}
        assert by["ada"]["score"] == 1.0 and by["di"]["note"].endswith("-empty")
    totals: dict[str, int] = {}
    for m in expected.values():
        totals[m] = totals.get(m, 0) + 2
    assert main(["exercise", "report", str(path), "--format", "csv"]) == 0
    counted: dict[str, int] = {}
    for row in csv.DictReader(capsys.readouterr().out.splitlines()):
        counted[row["mistake"]] = counted.get(row["mistake"], 0) + int(row["students"])
    assert counted == {**totals, "empty": 30}
    assert main(["exercise", "report", str(path)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Class report: 120 submissions, 30 questions")
    assert "a missing 1/m" in text and "no answer" in text


def test_a_report_by_quantity_for_one_seed(tmp_path: Path) -> None:
    path = tmp_path / "class.csv"
    path.write_text(
        "student,quantity,answer\n"
        "ada,dW2,dW2 = 1/m * dZ2 @ A1.T\n"
        "bo,dW2,dW2 = dZ2 @ A1.T\n"
        "cy,dZ1,dZ1 = W2 @ dZ2 * (1 - A1**2)\n"
        "di,dZ1,dZ1 = W2.T @ dZ2 * (1 - A1**2)\n",
        encoding="utf-8",
    )
    flags = ["--layers", "2,4,1", "--hidden", "tanh", "--output", "sigmoid", "--loss", "bce"]
    flags += ["--layout", "columns", "--convention", "course", "--seed", "7"]
    r = run("exercise", "report", str(path), *flags, "--format", "json")
    assert r.returncode == 0, r.stderr
    qs = {q["quantity"]: q for q in json.loads(r.stdout)["questions"]}
    assert qs["dW2"]["mistakes"] == {"missing-1/m": 1} and qs["dW2"]["mean_score"] == 0.75
    assert qs["dZ1"]["mistakes"] == {"missing-transpose": 1}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["exercise", "--seed", "1", "--quantity", "dW9"], "not a quantity"),
        (["exercise", "--layers", "2,x", "--seed", "1"], "comma-separated"),
        (["exercise", "--seed", "1", "--scoring", "missing-1/m=2", "--answer", "x"], "from 0 to 1"),
        (["exercise", "report", "tests/test_exercise_cli.py"], "needs the columns"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    r = run(*args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_no_standard_input_does_not_hang() -> None:
    r = run("exercise", "--seed", "3")  # stdin is /dev/null, as under CI
    assert r.returncode == 0 and "Attempts: 0; hints: 0" in r.stdout


def test_a_bad_answer_in_the_session_is_told_and_costs_no_attempt() -> None:
    flags = ["--seed", "7", "--layers", "2,4,1", "--hidden", "tanh", "--output", "sigmoid"]
    flags += ["--quantity", "dW2", "--layout", "columns", "--convention", "course"]
    r = run("exercise", *flags, stdin="dW2 = (\n\ndW1 = dZ1 @ X.T\nquit\n")
    assert r.returncode == 0 and "Traceback" not in r.stderr
    assert "syntax error" in r.stdout and "asks for dW[2]" in r.stdout
    assert "Attempts: 0;" in r.stdout


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html", "json"])
def test_the_exercise_prints_in_each_format(fmt: str) -> None:
    r = run("exercise", "--seed", "5", "--format", fmt)
    assert r.returncode == 0 and r.stdout.strip()
    if fmt == "json":
        assert set(json.loads(r.stdout)) >= {"id", "spec", "question", "solution", "hints"}
