"""tabrl.Mdp: arrays in and out, the file readers' checks and messages, solve and evaluate."""

import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse

import tabrl
from helpers import write_toml_mdp

# docs/theory.md, "Reference values"; tests/test_optimal.cpp checks it to 1e-13 as well.
FIVE_BY_FIVE_J_STAR = 9.408398506373334


def random_mdp_arrays(S=4, A=3, seed=0, per_next_state=False):
    rng = np.random.default_rng(seed)
    P = rng.random((S, A, S)) * (rng.random((S, A, S)) < 0.6)
    P[:, :, 0] += 0.1  # every row has an entry
    P /= P.sum(axis=2, keepdims=True)
    r = rng.normal(size=(S, A, S) if per_next_state else (S, A))
    rho = rng.random(S)
    return P, r, 0.9, rho / rho.sum()


def assert_same_mdp(a, b):
    """Bit for bit: the same transitions (pattern and values), rewards, rho and gamma."""
    assert (a.states, a.actions, a.gamma) == (b.states, b.actions, b.gamma)
    Pa, Pb = a.transitions(), b.transitions()
    assert Pa.shape == Pb.shape
    assert np.array_equal(Pa.indptr, Pb.indptr) and np.array_equal(Pa.indices, Pb.indices)
    assert np.array_equal(Pa.data, Pb.data)
    assert np.array_equal(a.rewards(), b.rewards())
    assert np.array_equal(a.rho, b.rho)


def dense(mdp):
    return mdp.transitions().toarray().reshape(mdp.states, mdp.actions, mdp.states)


# --- arrays in and out ---------------------------------------------------------------------------

@pytest.mark.parametrize("spec", ["five_by_five", "cliff_world", "bandit(means=[0.2,0.5,0.9])",
                                  "garnet(states=30,actions=4,branching=3,seed=2)"])
def test_arrays_round_trip_against_load(spec):
    loaded = tabrl.Mdp.load(spec)
    P, r = loaded.transitions(), loaded.rewards()
    assert isinstance(P, scipy.sparse.csr_matrix)
    assert P.shape == (loaded.states * loaded.actions, loaded.states)
    assert r.shape == (loaded.states, loaded.actions) and r.dtype == np.float64
    assert_same_mdp(tabrl.Mdp.from_arrays(P, r, loaded.gamma, loaded.rho), loaded)
    assert_same_mdp(tabrl.Mdp.from_arrays(dense(loaded), r, loaded.gamma, loaded.rho), loaded)


@pytest.mark.parametrize("per_next_state", [False, True])
def test_arrays_equal_the_same_model_read_from_a_file(tmp_path, per_next_state):
    """The TOML reader and from_arrays build the same MDP, r(s, a, s') reduced the same way."""
    P, r, gamma, rho = random_mdp_arrays(per_next_state=per_next_state)
    from_file = tabrl.Mdp.load(write_toml_mdp(tmp_path / "model.toml", P, r, gamma, rho))
    assert_same_mdp(tabrl.Mdp.from_arrays(P, r, gamma, rho), from_file)
    if per_next_state:
        expected = (P * r).sum(axis=2)
        np.testing.assert_allclose(from_file.rewards(), expected, rtol=1e-13, atol=1e-15)


def test_sparse_input_of_any_format_equals_dense():
    P, r, gamma, rho = random_mdp_arrays(S=6, A=2, seed=3)
    reference = tabrl.Mdp.from_arrays(P, r, gamma, rho)
    flat = P.reshape(12, 6)
    for matrix in (scipy.sparse.csr_matrix(flat), scipy.sparse.csc_matrix(flat),
                   scipy.sparse.coo_matrix(flat), scipy.sparse.lil_matrix(flat)):
        assert_same_mdp(tabrl.Mdp.from_arrays(matrix, r, gamma, rho), reference)
    # Duplicate entries add up, as SciPy reads them; the caller's matrix is not changed.
    coo = scipy.sparse.coo_matrix(flat)
    doubled = scipy.sparse.coo_matrix(
        (np.concatenate([coo.data / 2, coo.data / 2]), (np.concatenate([coo.row, coo.row]),
                                                        np.concatenate([coo.col, coo.col]))),
        shape=flat.shape).tocsr()
    nnz = doubled.nnz
    summed = tabrl.Mdp.from_arrays(doubled, r, gamma, rho)
    assert doubled.nnz == nnz
    np.testing.assert_allclose(dense(summed), P, rtol=1e-15, atol=0)


def test_dtypes_and_memory_layouts_are_converted():
    P, r, gamma, rho = random_mdp_arrays(S=5, A=3, seed=4)
    reference = tabrl.Mdp.from_arrays(P, r, gamma, rho)
    assert_same_mdp(tabrl.Mdp.from_arrays(np.asfortranarray(P), np.asfortranarray(r), gamma,
                                          rho), reference)
    wide = np.zeros((5, 6, 5))
    wide[:, ::2, :] = P
    assert_same_mdp(tabrl.Mdp.from_arrays(wide[:, ::2, :], r, gamma, rho[::1]), reference)
    assert_same_mdp(tabrl.Mdp.from_arrays(P.tolist(), r.tolist(), gamma, rho.tolist()), reference)
    # Integers (a deterministic MDP) and float32 become float64.
    deterministic = np.zeros((2, 2, 2), dtype=np.int32)
    deterministic[0, 0, 0] = deterministic[0, 1, 1] = deterministic[1, :, 1] = 1
    rewards = np.array([[0, 1], [2, 2]], dtype=np.int64)
    mdp = tabrl.Mdp.from_arrays(deterministic, rewards, 0.5, np.array([1, 0], dtype=np.uint8))
    assert np.array_equal(dense(mdp), deterministic) and np.array_equal(mdp.rewards(), rewards)
    single = tabrl.Mdp.from_arrays(P.astype(np.float32), r.astype(np.float32), gamma, rho)
    assert single.rewards().dtype == np.float64
    assert np.array_equal(single.rewards(), r.astype(np.float32).astype(np.float64))


def test_names_and_properties():
    P, r, gamma, rho = random_mdp_arrays(S=3, A=2)
    mdp = tabrl.Mdp.from_arrays(P, r, gamma, rho, states=["a", "b", "c"], actions=("x", "y"))
    assert mdp.state_names == ["a", "b", "c"] and mdp.action_names == ["x", "y"]
    assert tabrl.Mdp.from_arrays(P, r, gamma, rho).state_names is None
    assert repr(mdp) == "tabrl.Mdp(states=3, actions=2, gamma=0.9)"
    assert mdp.rho.shape == (3,) and mdp.gamma == 0.9
    with pytest.raises(ValueError, match=r"^states: expected 3 names, got 2$"):
        tabrl.Mdp.from_arrays(P, r, gamma, rho, states=["a", "b"])
    with pytest.raises(ValueError, match=r"^states: duplicate name 'a'$"):
        tabrl.Mdp.from_arrays(P, r, gamma, rho, states=["a", "b", "a"])
    with pytest.raises(TypeError, match="actions: expected a sequence of names"):
        tabrl.Mdp.from_arrays(P, r, gamma, rho, actions="xy")
    with pytest.raises(ValueError, match=r"^actions: expected 2 names, got 0$"):
        tabrl.Mdp.from_arrays(P, r, gamma, rho, actions=[])
    with pytest.raises(TypeError, match=r"^states: name 1 is not a string but int$"):
        tabrl.Mdp.from_arrays(P, r, gamma, rho, states=["a", 2, "c"])
    with pytest.raises(TypeError, match=r"^states: expected a sequence of names, got generator$"):
        tabrl.Mdp.from_arrays(P, r, gamma, rho, states=(name for name in "abc"))
    with pytest.raises(ValueError, match=r"^actions: name 1 cannot be written as UTF-8$"):
        tabrl.Mdp.from_arrays(P, r, gamma, rho, actions=["x", "\ud800"])


# --- the file readers' checks, with the array and index in place of the file and line ----------

def reader_message(tmp_path, P, r, gamma, rho):
    """The TOML reader's error for the same model, without its 'file:line: field: ' prefix."""
    path = write_toml_mdp(tmp_path / "bad.toml", P, r, gamma, rho)
    with pytest.raises(ValueError) as error:
        tabrl.Mdp.load(path)
    text = str(error.value)
    assert text.startswith(str(path) + ":"), text
    return text[len(str(path)) + 1:].split(": ", 2)[-1]


def array_error(P, r, gamma, rho):
    with pytest.raises(ValueError) as error:
        tabrl.Mdp.from_arrays(P, r, gamma, rho)
    return str(error.value)


def test_a_row_not_summing_to_one(tmp_path):
    P, r, gamma, rho = random_mdp_arrays()
    P[2, 1] *= 0.9
    message = reader_message(tmp_path, P, r, gamma, rho)
    assert re.fullmatch(r"transition row \(state 2, action 1\) sums to 0\.9\d*, not 1", message)
    assert array_error(P, r, gamma, rho) == "P[2, 1, :]: " + message
    sparse = scipy.sparse.csr_matrix(P.reshape(12, 4))
    assert array_error(sparse, r, gamma, rho) == "P[7, :]: " + message
    # Within the readers' tolerance (1e-5) a row is accepted and renormalised.
    P, r, gamma, rho = random_mdp_arrays()
    P[2, 1] *= 1 + 5e-6
    assert np.isclose(dense(tabrl.Mdp.from_arrays(P, r, gamma, rho))[2, 1].sum(), 1, rtol=1e-15)


def test_a_negative_probability(tmp_path):
    P, r, gamma, rho = random_mdp_arrays()
    P[1, 0, 3] = -0.25
    P[1, 0, 0] += 0.25 + P[1, 0, 3] * 0
    P[1, 0] /= P[1, 0].sum()
    message = reader_message(tmp_path, P, r, gamma, rho)
    assert message.startswith("probability -0.") and message.endswith(
        " of (state 1, action 0) -> 3 is outside [0, 1]")
    assert array_error(P, r, gamma, rho) == "P[1, 0, :]: " + message


def test_nan_in_p_and_r():
    P, r, gamma, rho = random_mdp_arrays()
    P[0, 2, 1] = np.nan
    assert array_error(P, r, gamma, rho) == \
        "P[0, 2, :]: probability nan of (state 0, action 2) -> 1 is outside [0, 1]"
    P, r, gamma, rho = random_mdp_arrays()
    r[3, 1] = np.inf
    assert array_error(P, r, gamma, rho) == \
        "r[3, 1]: reward of state 3, action 1 is not finite: inf"
    P, r, gamma, rho = random_mdp_arrays(per_next_state=True)
    r[1, 2, 0] = np.nan
    assert array_error(P, r, gamma, rho) == \
        "r[1, 2, 0]: reward of (state 1, action 2) -> 0 is not finite: nan"


def test_start_distribution_and_discount(tmp_path):
    P, r, gamma, rho = random_mdp_arrays()
    short = rho * 0.9
    message = reader_message(tmp_path, P, r, gamma, short)
    assert re.fullmatch(r"start probabilities sum to 0\.9\d*, not 1", message)
    assert array_error(P, r, gamma, short) == "rho: " + message
    negative = np.array([0.6, 0.6, -0.2, 0.0])
    message = reader_message(tmp_path, P, r, gamma, negative)
    assert message == "probability of state 2 must be finite and >= 0, got -0.2"
    assert array_error(P, r, gamma, negative) == "rho: " + message
    # Each reader words its own check of the discount (TOML: "must be a number in [0, 1)");
    # arrays get the model's, which every reader's model passes through.
    for bad, text in ((1.0, "1"), (-0.1, "-0.1"), (float("nan"), "nan")):
        assert array_error(P, r, bad, rho) == f"gamma: discount must be in [0, 1), got {text}"
    assert re.fullmatch(r"gamma: discount 0\.99999999999\d* is within 1e-12 of 1: .*",
                        array_error(P, r, 1 - 1e-13, rho))


def test_names_appear_in_messages():
    P, r, gamma, rho = random_mdp_arrays(S=2, A=2)
    P[1, 0] *= 0.5
    with pytest.raises(ValueError) as error:
        tabrl.Mdp.from_arrays(P, r, gamma, rho, states=["up", "down"], actions=["go", "stay"])
    assert str(error.value).startswith("P[1, 0, :]: transition row (state down, action go) sums")


def test_shapes_and_dtypes_are_refused_clearly():
    P, r, gamma, rho = random_mdp_arrays(S=4, A=3)
    cases = [
        ((P[:, :, :3], r, gamma, rho), ValueError, r"^P: expected shape \(4, 3, 4\) \(S, A from r\), got \(4, 3, 3\)$"),
        ((P, r[:, :2], gamma, rho), ValueError, r"^P: expected shape \(4, 2, 4\)"),
        ((P, r[0], gamma, rho), ValueError, r"^r: expected shape \(S, A\) or \(S, A, S\), got \(3,\)$"),
        ((P, np.zeros((4, 3, 5)), gamma, rho), ValueError, r"^r: expected shape"),
        ((P, r, gamma, rho[:3]), ValueError, r"^rho: expected shape \(4,\) \(S from r\), got \(3,\)$"),
        ((scipy.sparse.csr_matrix(P.reshape(12, 4)[:9]), r, gamma, rho), ValueError,
         r"^P: expected shape \(12, 4\) \(S \* A rows, S from r\), got \(9, 4\)$"),
        ((P.astype(np.complex128), r, gamma, rho), TypeError,
         r"^P: expected a float64 array \(integer and float32 arrays are converted\), got dtype complex128$"),
        ((P, r.astype(bool), gamma, rho), TypeError, r"^r: expected a float64 array"),
        ((P, r, gamma, np.array(["a", "b", "c", "d"])), TypeError, r"^rho: expected a float64"),
        ((P, r, gamma, rho.astype(np.longdouble)), TypeError, r"got dtype float128"),
        ((P, [[1, 2], [3]], gamma, rho), (TypeError, ValueError), r""),
    ]
    for arguments, kind, pattern in cases:
        with pytest.raises(kind, match=pattern):
            tabrl.Mdp.from_arrays(*arguments)


def test_arrays_too_large_to_convert_raise_memory_error():
    # A broadcast view takes no memory; its float64 copy would take 4 EiB, beyond any address
    # space whatever the kernel's overcommit setting. (pybind11's own conversion returned an empty
    # array here, and reading it crashed the interpreter.)
    huge = np.broadcast_to(0.0, (2**30, 2**29))
    with pytest.raises(MemoryError):
        tabrl.Mdp.from_arrays(np.zeros((1, 1, 1)), huge, 0.9, np.ones(1))
    P, r, gamma, rho = random_mdp_arrays(S=2, A=2)
    with pytest.raises(MemoryError):
        tabrl.Mdp.from_arrays(P, r, gamma, rho).evaluate(np.broadcast_to(0.5, (2**30, 2**29)))


def test_malformed_sparse_structure_is_refused_before_scipy_converts_it():
    # SciPy's compiled conversions trust the index arrays and corrupt memory on bad ones; SciPy's
    # check_format skips a matrix whose last indptr is 0 and does not exist for COO.
    P, r, gamma, rho = random_mdp_arrays(S=2, A=2)
    for indptr in ([0, 9, 9, 9, 9], [0, 2, 1, 3, 4], [0, 2, 0, 0, 0]):
        matrix = scipy.sparse.csr_matrix(P.reshape(4, 2))
        matrix.indptr[:] = indptr
        with pytest.raises(ValueError, match=r"^P: not a valid SciPy sparse matrix: "):
            tabrl.Mdp.from_arrays(matrix, r, gamma, rho)
    coordinates = scipy.sparse.coo_matrix(P.reshape(4, 2))
    coordinates.row[0] = 10**6
    with pytest.raises(ValueError, match=r"^P: not a valid SciPy sparse matrix: row out of range"):
        tabrl.Mdp.from_arrays(coordinates, r, gamma, rho)
    # The caller's matrix is left as it was.
    matrix = scipy.sparse.csr_matrix(P.reshape(4, 2))
    indptr, indices = matrix.indptr.copy(), matrix.indices.copy()
    tabrl.Mdp.from_arrays(matrix, r, gamma, rho)
    assert np.array_equal(matrix.indptr, indptr) and np.array_equal(matrix.indices, indices)


def test_load_errors_are_value_errors_with_the_cli_text(cli, tmp_path):
    with pytest.raises(ValueError, match="unknown"):
        tabrl.Mdp.load("no_such_mdp")
    # A spec or path as bytes is decoded as os.fsdecode does (not written as "b'...'").
    assert tabrl.Mdp.load(b"five_by_five").states == 5
    with pytest.raises(TypeError, match="expected str, bytes or os.PathLike"):
        tabrl.Mdp.load(42)
    with pytest.raises(ValueError) as error:
        tabrl.Mdp.load(tmp_path / "missing.toml")
    done = cli("mdp", "info", tmp_path / "missing.toml", check=False)
    assert done.returncode == 2
    assert str(error.value) in done.stderr


# --- solve and evaluate --------------------------------------------------------------------------

def test_solve_five_by_five(cli):
    mdp = tabrl.Mdp.load("five_by_five")
    v, q, pi = mdp.solve()
    solution = mdp.solve()
    assert solution.objective == pytest.approx(FIVE_BY_FIVE_J_STAR, rel=1e-13)
    assert solution.objective == pytest.approx(mdp.rho @ v, rel=1e-15)
    assert solution.bellman_check_passed
    assert v.shape == (mdp.states,) and q.shape == (mdp.states, mdp.actions)
    assert np.array_equal(pi, np.eye(mdp.actions)[solution.actions])
    np.testing.assert_allclose(v, q.max(axis=1), rtol=0, atol=1e-12 * mdp.value_scale)
    assert mdp.action_names[solution.actions[0]] == "a1"
    # The same numbers as `tabrl mdp solve`, to the last bit.
    lines = cli("mdp", "solve", "five_by_five").stdout.splitlines()
    assert [float(line[5:]) for line in lines if line.startswith("J* = ")] == [solution.objective]
    table = [line.split(",") for line in lines[lines.index("state,v_star,optimal_action") + 1:]]
    assert [row[0] for row in table] == mdp.state_names
    assert [float(row[1]) for row in table] == list(v)
    assert [row[2] for row in table] == [mdp.action_names[a] for a in solution.actions]


def numpy_evaluation(P, r, gamma, rho, pi):
    S = r.shape[0]
    P_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = (pi * r).sum(axis=1)
    M = np.eye(S) - gamma * P_pi
    v = np.linalg.solve(M, r_pi)
    q = r + gamma * P @ v
    d = np.linalg.solve(M.T, rho) * (1 - gamma)
    return v, q, q - v[:, None], d / d.sum(), rho @ v


@pytest.mark.parametrize("spec", ["five_by_five", "garnet(states=40,actions=3,branching=4,seed=5)"])
def test_evaluate_against_numpy(spec):
    mdp = tabrl.Mdp.load(spec)
    rng = np.random.default_rng(7)
    pi = rng.random((mdp.states, mdp.actions))
    pi /= pi.sum(axis=1, keepdims=True)
    evaluation = mdp.evaluate(pi)
    v, q, a, d, j = evaluation
    expected = numpy_evaluation(dense(mdp), mdp.rewards(), mdp.gamma, mdp.rho, pi)
    scale = mdp.value_scale
    for got, want in zip((v, q, a, j), (expected[0], expected[1], expected[2], expected[4])):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(d, expected[3], rtol=1e-10, atol=1e-14)
    assert evaluation.objective == j and np.array_equal(evaluation.visitation, d)
    np.testing.assert_allclose((pi * a).sum(axis=1), 0, atol=1e-12 * scale)


def test_evaluate_refuses_what_is_not_a_policy():
    mdp = tabrl.Mdp.load("garnet(states=6,actions=4,branching=2)")
    uniform = np.full((mdp.states, mdp.actions), 1 / mdp.actions)
    with pytest.raises(ValueError, match=r"^policy: expected shape \(6, 4\) \(S, A\), got \(4, 6\)$"):
        mdp.evaluate(uniform.T)
    bad = uniform.copy()
    bad[3, 1] = -0.1
    with pytest.raises(ValueError, match=r"^policy\[3, 1\]: probability of action 1 in state 3 "
                                         r"must be finite and >= 0, got -0.1$"):
        mdp.evaluate(bad)
    bad = uniform.copy()
    bad[4] *= 2
    with pytest.raises(ValueError, match=r"^policy\[4, :\]: probabilities of state 4 sum to 2, not 1$"):
        mdp.evaluate(bad)


# --- pickling -----------------------------------------------------------------------------------

def test_pickled_mdp_is_the_same_model_and_runs_in_spawned_processes(tmp_path):
    import concurrent.futures
    import copy
    import functools
    import multiprocessing
    import pickle

    P, r, gamma, rho = random_mdp_arrays(S=5, A=3)
    P[0, 0] *= 0.999995  # a row the model renormalises
    named = tabrl.Mdp.from_arrays(P, r, gamma, rho, states=list("abcde"), actions=["x", "y", "z"])
    latin1 = tmp_path / "latin1.mdp"  # names that are not UTF-8
    latin1.write_bytes(b"discount: 0.9 values: reward states: caf\xe9 b actions: 1\n"
                       b"T: 0 identity\nR: 0 : 0 : * : * 1.0\n")
    models = (named, tabrl.Mdp.load("garnet(states=40,actions=3,branching=40,seed=2)"),
              tabrl.Mdp.load("garnet(states=60,actions=2,branching=3,seed=1)"),
              tabrl.Mdp.load("gridworld(map=S#G,slip=0.059)"),  # a probability of 1 + 2^-52
              tabrl.Mdp.load(latin1))
    for mdp in models:
        # Every protocol (0 and 1 used to abort the interpreter through copyreg).
        copies = [pickle.loads(pickle.dumps(mdp, protocol=protocol))
                  for protocol in range(pickle.HIGHEST_PROTOCOL + 1)]
        for copied in copies + [copy.deepcopy(mdp)]:
            one, other = mdp.transitions(), copied.transitions()
            assert np.array_equal(one.indptr, other.indptr)
            assert np.array_equal(one.indices, other.indices)
            assert np.array_equal(one.data, other.data)  # exact: the same numbers
            assert np.array_equal(mdp.rewards(), copied.rewards())
            assert np.array_equal(mdp.rho, copied.rho) and mdp.gamma == copied.gamma
            assert pickle.dumps(copied) == pickle.dumps(mdp)  # names included
    assert named.state_names == pickle.loads(pickle.dumps(named)).state_names
    rebuild, (state,) = named.__reduce_ex__(2)
    with pytest.raises(ValueError, match="not a pickled tabrl.Mdp"):
        rebuild((1, 2))
    # A tampered state whose row starts run past the stored entries is refused before any read.
    state = list(state)
    state[5] = state[5].copy()
    state[5][1] = 10**6
    with pytest.raises(ValueError, match="not a pickled tabrl.Mdp"):
        rebuild(tuple(state))
    # An Mdp without a model cannot be made (its every use read unset memory).
    with pytest.raises(TypeError, match="cannot be created directly"):
        tabrl.Mdp.__new__(tabrl.Mdp)
    with pytest.raises(TypeError, match="cannot be created directly"):
        tabrl.Mdp()
    # Nor through a base class's __new__ (pybind11's, which made one that segfaulted), nor a
    # subclass.
    for base in tabrl.Mdp.__mro__[1:]:
        with pytest.raises(TypeError, match="not safe"):
            base.__new__(tabrl.Mdp)

    class Derived(tabrl.Mdp):
        pass

    with pytest.raises(TypeError, match="cannot be created directly"):
        Derived()
    # A process pool with the spawn start method pickles the MDP into fresh interpreters; their
    # curves equal this process's bit for bit.
    mdp = models[1]
    steps = [0.1, 0.3]
    run = functools.partial(tabrl.run, mdp, "spma", iterations=50)  # step_size comes third
    here = [run(step).curve for step in steps]
    with concurrent.futures.ProcessPoolExecutor(
            max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        there = [result.curve for result in pool.map(run, steps)]
    for one, other in zip(here, there):
        pd.testing.assert_frame_equal(one, other, check_exact=True)


def cycle_arrays(S, gamma, seed=3):
    """A cycle of S states, action 0 one step ahead and action 1 two, as a sparse (S*A, S)
    kernel: BiCGSTAB stalls on it for a discount close to 1 (docs/engine.md, "Fallback of the
    automatic choice")."""
    rows = np.arange(2 * S)
    columns = np.concatenate([(np.arange(S) + 1) % S, (np.arange(S) + 2) % S])
    columns = columns.reshape(2, S).T.reshape(-1)  # row s*A + a
    P = scipy.sparse.csr_matrix((np.ones(2 * S), (rows, columns)), shape=(2 * S, S))
    r = np.random.default_rng(seed).uniform(size=(S, 2))
    return P, r, gamma, np.full(S, 1.0 / S)


def test_the_solver_and_its_fallback_are_reported(cli, tmp_path):
    small = tabrl.Mdp.from_arrays(*random_mdp_arrays(S=6, A=2, seed=3))
    solution = small.solve()
    assert solution.solver == "dense" and solution.solver_note == ""
    result = tabrl.run(small, "npg", step_size=1.0, iterations=2)
    assert result.solver == "dense" and result.solver_note == ""

    mdp = tabrl.Mdp.from_arrays(*cycle_arrays(6000, 0.99999))
    solution = mdp.solve()
    assert solution.solver == "sparse"
    assert "changed to the sparse solver" in solution.solver_note
    assert solution.bellman_check_passed
    result = tabrl.run(mdp, "npg", step_size=1.0, iterations=2)
    assert result.solver == "sparse"
    first, second = result.solver_note.split("\n")
    assert first == "the optimal solve: " + solution.solver_note
    assert second == ("started with the sparse solver, the one the optimal solve's automatic "
                      "choice changed to")
    assert result.summary["final_suboptimality"] > 0
    # tabrl mdp solve prints the note on stderr, the same cycle read as long CSV (mdp info does
    # not solve above 5,000 states).
    P, r, gamma, _ = cycle_arrays(6000, 0.99999)
    coo = P.tocoo()
    lines = ["# gamma = 0.99999", "# states = " + " ".join(map(str, range(6000))),
             "from,action,to,probability,reward"]
    lines += [f"{row // 2},{row % 2},{column},1,{r[row // 2, row % 2]!r}"
              for row, column in zip(coo.row, coo.col)]
    path = tmp_path / "cycle.csv"
    path.write_text("\n".join(lines) + "\n")
    assert tabrl.Mdp.load(path).solve().solver_note == solution.solver_note
    assert f"tabrl mdp solve: {solution.solver_note}\n" in cli("mdp", "solve", path).stderr


def test_names_that_are_not_utf8_decode_as_the_file_system_does(tmp_path):
    # A CSV model whose state name is Latin-1 (0xE9): names decode with surrogate escapes (and
    # encode back to the file's bytes), messages show \xNN escapes, a run returns its status.
    import os
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"# gamma = 0.9\nfrom,action,to,probability,reward\n"
                      b"\xe9t,stay,\xe9t,1,0\n\xe9t,move,goal,1,0\n"
                      b"goal,stay,goal,1,1\ngoal,move,\xe9t,1,1\n")
    mdp = tabrl.Mdp.load(latin)
    assert [os.fsencode(name) for name in mdp.state_names] == [b"\xe9t", b"goal"]
    result = tabrl.run(mdp, "spma", 50.0, iterations=3)
    assert result.status == "step_invalid" and "\\xe9t" in result.message
    with pytest.raises(ValueError, match=r"state '\\xe9t' \(0\) sum to 1.1"):
        mdp.evaluate([[0.5, 0.6], [0.5, 0.5]])
    with pytest.raises(ValueError, match=r"\\xff.toml"):
        tabrl.Mdp.load(os.fsencode(tmp_path) + b"/\xff.toml")
    # The names come back as the same bytes through from_arrays.
    again = tabrl.Mdp.from_arrays(mdp.transitions(), mdp.rewards(), mdp.gamma, mdp.rho,
                                  states=mdp.state_names, actions=mdp.action_names)
    assert again.state_names == mdp.state_names


def test_text_with_a_nul_byte_is_refused():
    # C++ would read the text up to the NUL: a path "a.csv\0.toml" opened a.csv.
    with pytest.raises(ValueError, match="spec or path: embedded null byte"):
        tabrl.Mdp.load("five_by_five\x00.toml")
    for argument in ("algo", "solver", "record", "init", "features"):
        with pytest.raises(ValueError, match="embedded null byte"):
            tabrl.run("five_by_five", **{"algo": "spma", "step_size": 0.1, argument: "x\x00y"})


def test_duplicate_entries_that_add_up_to_one_plus_a_rounding_error():
    # Nine outcomes of 1/9 to the same state add up to 1 + 2.2e-16: the probability 1.
    mdp = tabrl.Mdp.from_gymnasium_P({0: {0: [(1 / 9, 0, 0.0, False)] * 9}}, 0.9)
    assert mdp.transitions().toarray().tolist() == [[1.0]]
    # A single entry above 1 is still refused, also beside a duplicate summed elsewhere.
    with pytest.raises(ValueError, match="outside"):
        tabrl.Mdp.from_arrays(scipy.sparse.csr_matrix([[1.0 + 1e-15]]), [[0.0]], 0.9, [1.0])
    P = scipy.sparse.coo_matrix(([1.0 + 5e-13, 0.5, 0.5], ([0, 1, 1], [0, 1, 1])), shape=(2, 2))
    with pytest.raises(ValueError, match="outside"):
        tabrl.Mdp.from_arrays(P, [[0.0], [0.0]], 0.9, [0.5, 0.5])


def test_mdps_pickle_into_forked_processes_after_parallel_loops():
    # A parent that ran OpenMP's parallel loops (a 3,000-state kernel of 20 entries per row),
    # then a process pool with fork (Python 3.11's default on Linux): the child's first parallel
    # loop used to wait for ever for the parent's threads; it runs on one thread, same bits.
    import multiprocessing
    mdp = tabrl.Mdp.load("garnet(states=3000,actions=4,branching=20,seed=1)")
    here = tabrl.run(mdp, "spma", 0.5, iterations=3)
    with multiprocessing.get_context("fork").Pool(1) as pool:
        there = pool.apply_async(tabrl.run, (mdp, "spma", 0.5), dict(iterations=3)).get(120)
    pd.testing.assert_frame_equal(here.curve, there.curve, check_exact=True)


def test_a_discount_of_the_wrong_kind_is_a_type_error_naming_it():
    # Not pybind11's list of signatures, which printed the arrays whole.
    import decimal
    P, r, _, rho = random_mdp_arrays(S=3, A=2)
    for gamma in ("0.9", None, True, np.bool_(False), [0.9], 0.5j, np.complex128(0.5)):
        with pytest.raises(TypeError, match=r"^gamma: expected a number, got "):
            tabrl.Mdp.from_arrays(P, r, gamma, rho)
    for gamma in (0.5, np.float32(0.5), decimal.Decimal("0.5"), np.int64(0)):
        assert tabrl.Mdp.from_arrays(P, r, gamma, rho).gamma == float(gamma)
