"""Tests of chainrule.data: the seeded generators, the registry and the CSV/NPZ loader."""

from __future__ import annotations

import importlib.util
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.data import (
    DATASETS,
    blobs,
    circles,
    load,
    make_dataset,
    moons,
    planar,
    spirals,
    to_one_hot,
    xor,
)
from chainrule.errors import ChainruleError, DataError

GENERATORS = sorted(DATASETS)
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"


def course_planar_recipe() -> tuple[np.ndarray, np.ndarray]:
    """The course's load_planar_dataset, verbatim in substance (uses the *global* seed)."""
    state = np.random.get_state()
    try:
        np.random.seed(1)
        m = 400
        N = int(m / 2)
        D = 2
        X = np.zeros((m, D))
        Y = np.zeros((m, 1), dtype="uint8")
        a = 4
        for j in range(2):
            ix = range(N * j, N * (j + 1))
            t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + np.random.randn(N) * 0.2
            r = a * np.sin(4 * t) + np.random.randn(N) * 0.2
            X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
            Y[ix] = j
        return X.T, Y.T
    finally:
        np.random.set_state(state)


# ---------------------------------------------------------------------------------------------
# generators
# ---------------------------------------------------------------------------------------------


def test_registry_names() -> None:
    assert set(DATASETS) == {"planar", "moons", "circles", "spirals", "xor", "blobs"}
    assert DATASETS["planar"] is planar
    assert DATASETS["moons"] is moons
    assert DATASETS["circles"] is circles
    assert DATASETS["spirals"] is spirals
    assert DATASETS["xor"] is xor
    assert DATASETS["blobs"] is blobs


@pytest.mark.parametrize("name", GENERATORS)
def test_default_shapes_and_dtypes(name: str) -> None:
    X, Y = DATASETS[name]()
    expected_m = {"planar": 400, "moons": 200, "circles": 200, "xor": 200}.get(name, 300)
    assert X.shape == (2, expected_m)
    assert Y.shape == (1, expected_m)
    assert X.dtype == np.float64
    assert Y.dtype == np.float64
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("m", [10, 37, 101])
def test_requested_size(name: str, m: int) -> None:
    X, Y = DATASETS[name](m=m)
    expected = 2 * (m // 2) if name == "planar" else m
    assert X.shape == (2, expected)
    assert Y.shape == (1, expected)


@pytest.mark.parametrize("name", GENERATORS)
def test_deterministic_per_seed(name: str) -> None:
    X1, Y1 = DATASETS[name](seed=7)
    X2, Y2 = DATASETS[name](seed=7)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)


@pytest.mark.parametrize("name", GENERATORS)
def test_different_seeds_differ(name: str) -> None:
    X1, _ = DATASETS[name](seed=1)
    X2, _ = DATASETS[name](seed=2)
    assert not np.allclose(X1, X2)


@pytest.mark.parametrize("name", GENERATORS)
def test_global_random_state_untouched(name: str) -> None:
    np.random.seed(12345)
    before = np.random.get_state()
    DATASETS[name](seed=3)
    after = np.random.get_state()
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    assert before[2:] == after[2:]


@pytest.mark.parametrize("name", ["planar", "moons", "circles", "xor"])
@pytest.mark.parametrize("m", [200, 201])
def test_binary_labels_balanced(name: str, m: int) -> None:
    _, Y = DATASETS[name](m=m)
    assert set(np.unique(Y)) == {0.0, 1.0}
    ones = int(Y.sum())
    zeros = Y.shape[1] - ones
    assert abs(ones - zeros) <= (0 if Y.shape[1] % 2 == 0 else 1)


@pytest.mark.parametrize("name", ["spirals", "blobs"])
@pytest.mark.parametrize("k", [2, 3, 5])
def test_multiclass_labels_balanced(name: str, k: int) -> None:
    _, Y = DATASETS[name](m=101, k=k)
    labels, counts = np.unique(Y, return_counts=True)
    np.testing.assert_array_equal(labels, np.arange(k, dtype=np.float64))
    assert counts.max() - counts.min() <= 1
    assert counts.sum() == 101


@pytest.mark.parametrize("name", ["spirals", "blobs"])
def test_one_hot_matches_labels(name: str) -> None:
    X, Y = DATASETS[name](m=90, k=4, seed=5)
    X1, Y1 = DATASETS[name](m=90, k=4, seed=5, one_hot=True)
    np.testing.assert_array_equal(X, X1)
    assert Y1.shape == (4, 90)
    assert Y1.dtype == np.float64
    np.testing.assert_array_equal(Y1.sum(axis=0), np.ones(90))
    np.testing.assert_array_equal(np.argmax(Y1, axis=0), Y[0].astype(int))


def test_planar_matches_course_recipe() -> None:
    X, Y = planar()
    X_ref, Y_ref = course_planar_recipe()
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(Y, Y_ref.astype(np.float64))


def test_planar_matches_reference_script_data() -> None:
    spec = importlib.util.spec_from_file_location(
        "planar_course", REFERENCE_DIR / "planar_course.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    X_ref, Y_ref = module.load_planar()
    X, Y = planar()
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(Y, Y_ref)


def test_reference_numbers_match_the_course() -> None:
    expected = json.loads((REFERENCE_DIR / "planar_expected.json").read_text())
    assert expected["cost_iterations"] == list(range(0, 10000, 1000))
    assert round(expected["costs"][0], 6) == 0.693048
    assert int(expected["final_accuracy"]) == 90  # the course prints it with '%d'
    published = {"1": 67.5, "2": 67.25, "3": 90.75, "4": 90.5, "5": 91.25}
    for n_h, accuracy in published.items():
        assert expected["hidden_size_accuracy"][n_h] == accuracy


def test_planar_is_ordered_by_class_like_the_course() -> None:
    _, Y = planar()
    np.testing.assert_array_equal(Y[0, :200], np.zeros(200))
    np.testing.assert_array_equal(Y[0, 200:], np.ones(200))


def test_planar_default_seed_is_one() -> None:
    X_default, _ = planar()
    X_one, _ = planar(seed=1)
    X_two, _ = planar(seed=2)
    np.testing.assert_array_equal(X_default, X_one)
    assert not np.allclose(X_default, X_two)


@pytest.mark.parametrize("name", ["moons", "circles", "spirals", "xor", "blobs"])
def test_synthetic_sets_are_shuffled(name: str) -> None:
    _, Y = DATASETS[name](m=100)
    assert np.any(np.diff(Y[0]) < 0), "classes should be interleaved, not in sorted blocks"


def test_noise_free_shapes_are_exact() -> None:
    X, Y = circles(m=100, noise=0.0, factor=0.3)
    radius = np.hypot(X[0], X[1])
    np.testing.assert_allclose(radius[Y[0] == 0], 1.0)
    np.testing.assert_allclose(radius[Y[0] == 1], 0.3)

    X, Y = moons(m=100, noise=0.0)
    upper, lower = X[:, Y[0] == 0], X[:, Y[0] == 1]
    np.testing.assert_allclose(np.hypot(upper[0], upper[1]), 1.0)
    np.testing.assert_allclose(np.hypot(lower[0] - 1.0, lower[1] - 0.5), 1.0)
    assert np.all(upper[1] >= -1e-12) and np.all(lower[1] <= 0.5 + 1e-12)

    X, Y = xor(m=100, noise=0.0)
    np.testing.assert_array_equal(Y[0], (X[0] * X[1] < 0).astype(np.float64))

    X, Y = blobs(m=60, k=3, noise=0.0)
    for j in range(3):
        angle = 2 * np.pi * j / 3
        centre = 4.0 * np.array([np.cos(angle), np.sin(angle)])
        np.testing.assert_allclose(X[:, Y[0] == j].T, np.tile(centre, (20, 1)), atol=1e-12)


def test_spirals_radius_range() -> None:
    X, _ = spirals(m=300, k=3, noise=0.0)
    radius = np.hypot(X[0], X[1])
    assert radius.min() == pytest.approx(0.0, abs=1e-12)
    assert radius.max() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("moons", {"m": 0}),
        ("moons", {"m": 2.5}),
        ("moons", {"m": True}),
        ("circles", {"noise": -0.1}),
        ("circles", {"noise": float("nan")}),
        ("circles", {"factor": 1.0}),
        ("xor", {"seed": -1}),
        ("xor", {"m": 3}),
        ("spirals", {"k": 1}),
        ("blobs", {"k": 5, "m": 4}),
        ("planar", {"m": 1}),
        ("planar", {"seed": "one"}),
    ],
)
def test_bad_parameters_raise_data_error(name: str, kwargs: dict[str, object]) -> None:
    with pytest.raises(DataError, match=name):
        DATASETS[name](**kwargs)


def test_make_dataset_matches_direct_call() -> None:
    X1, Y1 = make_dataset("moons", m=50, noise=0.3, seed=4)
    X2, Y2 = moons(m=50, noise=0.3, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    X3, _ = make_dataset(" Planar ")
    np.testing.assert_array_equal(X3, planar()[0])


def test_make_dataset_unknown_name_lists_known_ones() -> None:
    with pytest.raises(DataError) as info:
        make_dataset("flower")
    message = str(info.value)
    assert "flower" in message
    for name in DATASETS:
        assert name in message


def test_make_dataset_unknown_parameter() -> None:
    with pytest.raises(DataError, match="'k'") as info:
        make_dataset("moons", k=3)
    assert "noise" in str(info.value)


def test_data_error_is_a_chainrule_error() -> None:
    assert issubclass(DataError, ChainruleError)


def test_to_one_hot() -> None:
    out = to_one_hot(np.array([[2.0, 0.0, 1.0, 2.0]]))
    np.testing.assert_array_equal(out, [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]])
    assert to_one_hot([0, 1], k=4).shape == (4, 2)
    with pytest.raises(DataError):
        to_one_hot([0.5, 1.0])
    with pytest.raises(DataError):
        to_one_hot([0, 3], k=3)
    with pytest.raises(DataError):
        to_one_hot([-1, 0])


# ---------------------------------------------------------------------------------------------
# loading: round trips
# ---------------------------------------------------------------------------------------------


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_round_trip_with_header(tmp_path) -> None:
    X, Y = moons(m=30, seed=2)
    path = tmp_path / "moons.csv"
    rows = np.vstack([X, Y]).T
    np.savetxt(path, rows, delimiter=",", header="x1,x2,label", comments="", fmt="%.17g")
    X2, Y2 = load(path)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(Y2, Y)
    assert X2.dtype == np.float64 and Y2.dtype == np.float64


def test_csv_round_trip_without_header(tmp_path) -> None:
    X, Y = planar(m=40)
    path = tmp_path / "planar.csv"
    np.savetxt(path, np.vstack([X, Y]).T, delimiter=",", fmt="%.17g")
    X2, Y2 = load(str(path))
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(Y2, Y)


def test_csv_label_by_name_and_index(tmp_path) -> None:
    path = write(tmp_path / "d.csv", "y,a,b\n1,2,3\n0,5,6\n")
    for label in ("y", 0, -3):
        X, Y = load(path, label=label)
        np.testing.assert_array_equal(X, [[2, 5], [3, 6]])
        np.testing.assert_array_equal(Y, [[1, 0]])
    X, Y = load(path, label="a")
    np.testing.assert_array_equal(X, [[1, 0], [3, 6]])
    np.testing.assert_array_equal(Y, [[2, 5]])


def test_csv_blank_lines_comments_quotes_and_spaces(tmp_path) -> None:
    text = '# a comment\n\nx1, x2, label\n 1.5, -2 , 1\n\n"3", 4e-1, 0\n# done\n'
    X, Y = load(write(tmp_path / "d.csv", text))
    np.testing.assert_array_equal(X, [[1.5, 3.0], [-2.0, 0.4]])
    np.testing.assert_array_equal(Y, [[1.0, 0.0]])


def test_tsv_and_explicit_delimiter(tmp_path) -> None:
    X, Y = load(write(tmp_path / "d.tsv", "a\tb\n1\t0\n2\t1\n"))
    np.testing.assert_array_equal(X, [[1, 2]])
    np.testing.assert_array_equal(Y, [[0, 1]])
    X, Y = load(write(tmp_path / "e.txt", "1;0\n2;1\n"), delimiter=";")
    np.testing.assert_array_equal(X, [[1, 2]])


def test_csv_forced_header(tmp_path) -> None:
    path = write(tmp_path / "d.csv", "10,20\n1,0\n2,1\n")
    X, _ = load(path)
    assert X.shape == (1, 3)
    X, Y = load(path, header=True, label="20")
    np.testing.assert_array_equal(X, [[1, 2]])
    np.testing.assert_array_equal(Y, [[0, 1]])


def test_csv_one_hot(tmp_path) -> None:
    X, Y = load(write(tmp_path / "d.csv", "1,2\n3,0\n5,1\n"), one_hot=True)
    np.testing.assert_array_equal(Y, [[0, 1, 0], [0, 0, 1], [1, 0, 0]])


def test_npz_round_trip_columns(tmp_path) -> None:
    X, Y = spirals(m=30, seed=1)
    path = tmp_path / "s.npz"
    np.savez(path, X=X, Y=Y)
    X2, Y2 = load(path)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(Y2, Y)


@pytest.mark.parametrize("y_layout", ["flat", "column"])
def test_npz_round_trip_rows(tmp_path, y_layout: str) -> None:
    X, Y = xor(m=24, seed=3)
    y_rows = Y[0] if y_layout == "flat" else Y.T
    path = tmp_path / "x.npz"
    np.savez(path, X=X.T, Y=y_rows)
    X2, Y2 = load(path)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(Y2, Y)


def test_npz_one_hot_rows_and_integer_dtypes(tmp_path) -> None:
    X, Y = blobs(m=30, k=3, one_hot=True)
    path = tmp_path / "b.npz"
    np.savez(path, X=X.T.astype(np.float32), Y=Y.T.astype(np.int8))
    X2, Y2 = load(path)
    assert X2.dtype == np.float64 and Y2.dtype == np.float64
    assert X2.shape == (2, 30) and Y2.shape == (3, 30)
    np.testing.assert_array_equal(Y2, Y)
    np.testing.assert_allclose(X2, X, rtol=1e-6)


@pytest.mark.parametrize(
    ("x_shape", "y_shape", "as_rows"),
    [
        ((1, 5), (1, 5), False),
        ((3, 3), (3, 3), False),
        ((5, 1), (5, 1), True),
        ((2, 2), (2,), False),
    ],
)
def test_npz_ambiguous_layouts(tmp_path, x_shape, y_shape, as_rows: bool) -> None:
    X = np.arange(np.prod(x_shape), dtype=np.float64).reshape(x_shape)
    Y = np.arange(np.prod(y_shape), dtype=np.float64).reshape(y_shape) + 100
    path = tmp_path / "ambiguous.npz"
    np.savez(path, X=X, Y=Y)
    X2, Y2 = load(path)
    Y_2d = Y.reshape(1, -1) if Y.ndim == 1 else Y
    np.testing.assert_array_equal(X2, X.T if as_rows else X)
    np.testing.assert_array_equal(Y2, Y_2d.T if as_rows else Y_2d)


def test_npz_single_feature_rows(tmp_path) -> None:
    path = tmp_path / "one.npz"
    np.savez(path, X=np.arange(5.0).reshape(5, 1), Y=np.array([[0], [1], [0], [1], [1]]))
    X, Y = load(path)
    assert X.shape == (1, 5) and Y.shape == (1, 5)
    np.testing.assert_array_equal(X, [[0, 1, 2, 3, 4]])


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 4),
    m=st.integers(1, 12),
    rows=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_round_trip_property(n: int, m: int, rows: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, m)) * 10.0 ** rng.integers(-5, 5)
    Y = rng.integers(0, 2, size=(1, m)).astype(np.float64)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "data.csv"
        np.savetxt(csv_path, np.vstack([X, Y]).T, delimiter=",", fmt="%.17g")
        X_csv, Y_csv = load(csv_path)
        npz_path = Path(tmp) / "data.npz"
        if rows:
            np.savez(npz_path, X=X.T, Y=Y[0])
        else:
            np.savez(npz_path, X=X, Y=Y)
        X_npz, Y_npz = load(npz_path)
    np.testing.assert_array_equal(X_csv, X)
    np.testing.assert_array_equal(Y_csv, Y)
    if rows and n == m:
        # a square X with a flat Y fits both layouts; the documented choice is columns
        np.testing.assert_array_equal(X_npz, X.T)
    else:
        np.testing.assert_array_equal(X_npz, X)
        np.testing.assert_array_equal(Y_npz, Y)


# ---------------------------------------------------------------------------------------------
# loading: malformed files
# ---------------------------------------------------------------------------------------------


def assert_data_error(path, *fragments: str, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        load(path, **kwargs)
    message = str(info.value)
    assert path.name in message
    rest = message.replace(str(path), "<file>")  # fragments must not match the path itself
    for fragment in fragments:
        assert fragment in rest, f"{fragment!r} not in {rest!r}"
    return info.value


def test_non_numeric_cell(tmp_path) -> None:
    path = write(tmp_path / "bad_cell.csv", "a,b,label\n1,2,0\n3,oops,1\n")
    assert_data_error(path, "line 3", "column 2", "'b'", "oops")


def test_non_numeric_cell_without_header(tmp_path) -> None:
    path = write(tmp_path / "bad_cell2.csv", "1,2,0\n3,4,1\n5,6,x\n")
    assert_data_error(path, "line 3", "column 3", "'x'")


def test_mixed_first_row_is_not_a_header(tmp_path) -> None:
    path = write(tmp_path / "typo.csv", "1,two,0\n3,4,1\n")
    assert_data_error(path, "line 1", "column 2", "header=True")


def test_empty_and_nan_cells(tmp_path) -> None:
    assert_data_error(
        write(tmp_path / "gap.csv", "1,2,0\n3,,1\n"), "line 2", "column 2", "empty cell"
    )
    assert_data_error(write(tmp_path / "nan.csv", "1,2,0\n3,nan,1\n"), "line 2", "finite")


def test_ragged_rows(tmp_path) -> None:
    path = write(tmp_path / "ragged.csv", "a,b,label\n1,2,0\n3,4\n5,6,1\n")
    assert_data_error(path, "line 3", "2 cells", "line 1 has 3")


def test_ragged_rows_line_numbers_count_skipped_lines(tmp_path) -> None:
    path = write(tmp_path / "ragged2.csv", "# comment\n\n1,2,0\n\n3,4,1,9\n")
    assert_data_error(path, "line 5", "4 cells")


@pytest.mark.parametrize("text", ["", "\n\n  \n", "# only a comment\n"])
def test_empty_csv(tmp_path, text: str) -> None:
    assert_data_error(write(tmp_path / "empty.csv", text), "is empty")


def test_header_only_csv(tmp_path) -> None:
    assert_data_error(write(tmp_path / "header_only.csv", "a,b,label\n"), "no data rows")


def test_single_column_csv(tmp_path) -> None:
    assert_data_error(write(tmp_path / "single.csv", "1\n2\n"), "only 1 column")


def test_missing_label_column_by_name(tmp_path) -> None:
    path = write(tmp_path / "nolabel.csv", "a,b,c\n1,2,0\n")
    assert_data_error(path, "'target'", "'a'", "'c'", label="target")


def test_label_index_out_of_range(tmp_path) -> None:
    path = write(tmp_path / "idx.csv", "1,2,0\n3,4,1\n")
    assert_data_error(path, "no label column 5", "3 columns", label=5)
    assert_data_error(path, "no label column -4", label=-4)


def test_label_name_without_header(tmp_path) -> None:
    path = write(tmp_path / "nohead.csv", "1,2,0\n3,4,1\n")
    assert_data_error(path, "no header", label="label")


def test_npz_without_x_or_y(tmp_path) -> None:
    path = tmp_path / "noY.npz"
    np.savez(path, X=np.zeros((2, 3)), labels=np.zeros(3))
    assert_data_error(path, "'Y'", "'labels'")
    path = tmp_path / "none.npz"
    np.savez(path, features=np.zeros((2, 3)))
    assert_data_error(path, "'X' or 'Y'")


@pytest.mark.parametrize(
    ("x_shape", "y_shape"),
    [((2, 10), (1, 9)), ((10, 2), (9,)), ((4, 5), (3, 3)), ((7,), (8,))],
)
def test_npz_shape_mismatch(tmp_path, x_shape, y_shape) -> None:
    path = tmp_path / "mismatch.npz"
    np.savez(path, X=np.zeros(x_shape), Y=np.zeros(y_shape))
    assert_data_error(path, "same number of examples", str(x_shape), str(y_shape))


def test_npz_bad_arrays(tmp_path) -> None:
    path = tmp_path / "objects.npz"
    np.savez(path, X=np.array([1, "a", None], dtype=object), Y=np.zeros(3))
    assert_data_error(path, "pickle")
    path = tmp_path / "three_d.npz"
    np.savez(path, X=np.zeros((2, 3, 4)), Y=np.zeros(4))
    assert_data_error(path, "(2, 3, 4)")
    path = tmp_path / "strings.npz"
    np.savez(path, X=np.array([["a", "b"]]), Y=np.zeros((1, 2)))
    assert_data_error(path, "numeric")
    path = tmp_path / "inf.npz"
    np.savez(path, X=np.array([[1.0, np.inf]]), Y=np.zeros((1, 2)))
    assert_data_error(path, "non-finite", "(0, 1)")


def test_npz_not_an_archive(tmp_path) -> None:
    assert_data_error(write(tmp_path / "text.npz", "1,2,3\n"), "not an .npz")
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    assert_data_error(path, "is empty")
    path = tmp_path / "truncated.npz"
    np.savez(path, X=np.zeros((2, 100)), Y=np.zeros((1, 100)))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_data_error(path, "not a readable")


def test_missing_file_and_unknown_suffix(tmp_path) -> None:
    assert_data_error(tmp_path / "nowhere.csv", "does not exist")
    assert_data_error(write(tmp_path / "data.xlsx", "1,2\n"), "suffix", ".csv", ".npz")
    (tmp_path / "folder.csv").mkdir()
    assert_data_error(tmp_path / "folder.csv", "not a file")


def test_not_utf8_csv(tmp_path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("caf\xe9,label\n1,0\n".encode("latin-1"))
    assert_data_error(path, "UTF-8")


def test_one_hot_needs_whole_labels(tmp_path) -> None:
    path = write(tmp_path / "frac.csv", "1,0.5\n2,1\n")
    assert_data_error(path, "whole-number", one_hot=True)


def test_ambiguous_label_name(tmp_path) -> None:
    path = write(tmp_path / "dupes.csv", "a,a,b\n1,2,0\n")
    assert_data_error(path, "several columns", "'a'", label="a")
    X, Y = load(path, label="b")
    np.testing.assert_array_equal(X, [[1], [2]])
