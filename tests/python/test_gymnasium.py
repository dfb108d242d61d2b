"""tabrl.Mdp.from_gymnasium_P on dictionaries written here in the shape of Gymnasium's toy-text
env.P (Gymnasium itself is not installable here): the absorbing state, rewards, rho, the
equivalence with the built-ins frozen_lake and cliff_walking, and bad dictionaries."""

import math

import numpy as np
import pytest

import tabrl


def frozen_lake_P(rows, slippery=True):
    """FrozenLake's env.P as Gymnasium builds it: actions left, down, right, up; slippery moves
    go to the intended and the two perpendicular directions, 1/3 each; entering G pays 1 and ends
    the episode, entering H ends it; from H and G, every action is (1.0, s, 0, True)."""
    n_rows, n_columns = len(rows), len(rows[0])
    moves = [(0, -1), (1, 0), (0, 1), (-1, 0)]

    def step(row, column, a):
        d_row, d_column = moves[a]
        row = min(max(row + d_row, 0), n_rows - 1)
        column = min(max(column + d_column, 0), n_columns - 1)
        s = row * n_columns + column
        letter = rows[row][column]
        return s, float(letter == "G"), letter in "GH"

    P = {}
    for row in range(n_rows):
        for column in range(n_columns):
            s = row * n_columns + column
            P[s] = {}
            for a in range(4):
                if rows[row][column] in "GH":
                    P[s][a] = [(1.0, s, 0, True)]
                elif slippery:
                    P[s][a] = [(1.0 / 3.0, *step(row, column, b)) for b in ((a - 1) % 4, a,
                                                                              (a + 1) % 4)]
                else:
                    P[s][a] = [(1.0, *step(row, column, a))]
    return P


def cliff_walking_P():
    """CliffWalking-v0's env.P as Gymnasium builds it: 4 x 12, actions up, right, down, left;
    a move into the cliff is (1.0, 36, -100, False); any other move (1.0, s', -1, s' == 47)."""
    P = {}
    deltas = [(-1, 0), (0, 1), (1, 0), (0, -1)]
    for s in range(48):
        row, column = divmod(s, 12)
        P[s] = {}
        for a, (d_row, d_column) in enumerate(deltas):
            new_row = min(max(row + d_row, 0), 3)
            new_column = min(max(column + d_column, 0), 11)
            if new_row == 3 and 1 <= new_column <= 10:
                P[s][a] = [(1.0, 36, -100, False)]
            else:
                new = new_row * 12 + new_column
                P[s][a] = [(1.0, new, -1, new == 47)]
    return P


def test_a_small_dictionary_gives_the_expected_arrays():
    # State 0: action 0 stays (reward 1) or ends (reward 5); action 1 moves to 1 for 2.
    # State 1: action 0 ends with reward 3, action 1 goes to 0 or 1 at random, rewards 0 and 4.
    P = {0: {0: [(0.75, 0, 1.0, False), (0.25, 1, 5.0, True)], 1: [(1.0, 1, 2.0, False)]},
         1: {0: [(1.0, 1, 3.0, True)], 1: [(0.5, 0, 0.0, False), (0.5, 1, 4.0, False)]}}
    mdp = tabrl.Mdp.from_gymnasium_P(P, gamma=0.8)
    assert (mdp.states, mdp.actions, mdp.gamma) == (3, 2, 0.8)
    expected_P = np.zeros((3, 2, 3))
    expected_P[0, 0] = [0.75, 0, 0.25]  # done -> the absorbing state 2, not state 1
    expected_P[0, 1] = [0, 1, 0]
    expected_P[1, 0] = [0, 0, 1]
    expected_P[1, 1] = [0.5, 0.5, 0]
    expected_P[2, :, 2] = 1.0
    np.testing.assert_array_equal(mdp.transitions().toarray(), expected_P.reshape(6, 3))
    np.testing.assert_array_equal(mdp.rewards(),
                                  [[0.75 * 1 + 0.25 * 5, 2], [3, 0.5 * 0 + 0.5 * 4], [0, 0]])
    np.testing.assert_array_equal(mdp.rho, [1.0, 0.0, 0.0])
    # V* against value iteration on those arrays, written out.
    v = np.zeros(3)
    for _ in range(2000):
        v = (mdp.rewards() + 0.8 * (expected_P @ v)).max(axis=1)
    np.testing.assert_allclose(mdp.solve().v, v, rtol=1e-12, atol=1e-12)


def test_without_done_no_state_is_added_and_rho_is_kept():
    P = {0: {0: [(1.0, 1, 1.0, False)]}, 1: {0: [(0.5, 0, 0.0, False), (0.5, 1, 2.0, 0)]}}
    mdp = tabrl.Mdp.from_gymnasium_P(P, 0.5, rho=[0.25, 0.75])
    assert mdp.states == 2
    np.testing.assert_array_equal(mdp.rho, [0.25, 0.75])
    np.testing.assert_array_equal(mdp.rewards(), [[1.0], [1.0]])


def test_numpy_keys_values_and_duplicate_next_states():
    P = {np.int64(0): {np.int64(0): [(np.float64(0.5), np.int64(0), np.float32(1), np.bool_(False)),
                                      (0.5, 0, 1, False)]}}
    mdp = tabrl.Mdp.from_gymnasium_P(P, 0.9)
    np.testing.assert_array_equal(mdp.transitions().toarray(), [[1.0]])
    assert mdp.rewards()[0, 0] == 1.0  # one reward value: kept exactly
    assert mdp.solve().v[0] == pytest.approx(10.0, rel=1e-12)


def test_sums_within_the_readers_tolerance_are_accepted():
    third = 0.333333  # sums to 0.999999, within 1e-5
    P = {0: {0: [(third, 0, 0.0, False), (third, 0, 0.0, False), (third, 0, 0.0, False)]}}
    mdp = tabrl.Mdp.from_gymnasium_P(P, 0.9)
    assert mdp.transitions().toarray()[0, 0] == 1.0  # renormalised, as from files


@pytest.mark.parametrize("slippery", [True, False])
@pytest.mark.parametrize("rows", [["SFFF", "FHFH", "FFFH", "HFFG"], ["SFH", "FFG"]])
def test_frozen_lake_dictionary_equals_the_built_in(rows, slippery):
    mdp = tabrl.Mdp.from_gymnasium_P(frozen_lake_P(rows, slippery), gamma=0.9)
    spec = f"frozen_lake(map={'/'.join(rows)},slippery={str(slippery).lower()},gamma=0.9)"
    builtin = tabrl.Mdp.load(spec)
    S = builtin.states
    assert mdp.states == S + 1  # one absorbing state after H and G
    v_dict, _, pi_dict = mdp.solve()
    v_builtin, _, _ = builtin.solve()
    np.testing.assert_allclose(v_dict[:S], v_builtin, rtol=1e-12, atol=1e-14)
    assert v_dict[S] == 0.0
    # The same run on both starts at state 0 and reaches the same objective.
    a = tabrl.run(mdp, "npg", step_size=1.0, iterations=30)
    b = tabrl.run(builtin, "npg", step_size=1.0, iterations=30)
    np.testing.assert_allclose(a.curve["objective"], b.curve["objective"], rtol=1e-10, atol=1e-14)
    if rows[0] == "SFFF" and slippery:
        assert v_dict[0] == pytest.approx(0.0688909048890, rel=1e-11)  # docs/theory.md


def test_cliff_walking_dictionary_equals_the_built_in():
    builtin = tabrl.Mdp.load("cliff_walking(gamma=0.95)")
    start = np.zeros(48)
    start[36] = 1.0
    mdp = tabrl.Mdp.from_gymnasium_P(cliff_walking_P(), gamma=0.95, rho=start)
    assert mdp.states == 49
    v_dict, _, _ = mdp.solve()
    v_builtin, _, pi_builtin = builtin.solve()
    # State 47 (the goal) keeps Gymnasium's moves in the dictionary but is never entered: every
    # move into it ends. The built-in makes it absorbing instead. Every other state agrees.
    np.testing.assert_allclose(v_dict[:47], v_builtin[:47], rtol=1e-12)
    assert v_builtin[36] == pytest.approx(-(1 - 0.95 ** 13) / 0.05, rel=1e-12)
    assert mdp.solve().objective == pytest.approx(builtin.solve().objective, rel=1e-12)
    np.testing.assert_array_equal(mdp.solve().actions[:47], builtin.solve().actions[:47])
    # rho defaults to a point mass on state 0.
    default = tabrl.Mdp.from_gymnasium_P(cliff_walking_P(), gamma=0.95)
    assert default.rho[0] == 1.0 and default.rho.sum() == 1.0
    assert default.solve().objective == pytest.approx(v_builtin[0], rel=1e-12)


def good():
    return {0: {0: [(1.0, 0, 0.0, False)], 1: [(0.5, 1, 1.0, False), (0.5, 0, 0.0, True)]},
            1: {0: [(1.0, 1, 0.0, False)], 1: [(1.0, 0, 1.0, False)]}}


def broken(change):
    P = good()
    change(P)
    return P


@pytest.mark.parametrize("change, message", [
    (lambda P: P[1].pop(1), r"P\[1\]: missing action 1 \(state 0 has the actions 0..1\)"),
    (lambda P: P[1].update({2: [(1.0, 0, 0.0, False)]}),
     r"P\[1\]: action 2 is not one of state 0's actions 0..1"),
    (lambda P: P.pop(0), r"P: missing state 0 \(the states are 0..0, S = len\(P\)\)"),
    (lambda P: P[1].__setitem__(1, [(0.9, 0, 1.0, False)]),
     r"P\[1\]\[1\]: transition probabilities of \(state 1, action 1\) sum to 0.9, not 1"),
    (lambda P: P[0].__setitem__(1, [(0.5, 1, 1.0, False), (0.6, 0, 0.0, True)]),
     r"P\[0\]\[1\]: transition probabilities of \(state 0, action 1\) sum to 1.1, not 1"),
    (lambda P: P[1].__setitem__(0, [(math.nan, 1, 0.0, False)]),
     r"P\[1\]\[0\]\[0\]: probability nan of \(state 1, action 0\) is outside \[0, 1\]"),
    (lambda P: P[0].__setitem__(1, [(1.25, 1, 1.0, False), (-0.25, 0, 0.0, True)]),
     r"P\[0\]\[1\]\[0\]: probability 1.25 of \(state 0, action 1\) is outside \[0, 1\]"),
    (lambda P: P[0].__setitem__(1, [(0.5, 1, 1.0, False), (0.5, 0, math.inf, True)]),
     r"P\[0\]\[1\]\[1\]: reward of \(state 0, action 1\) is not finite: inf"),
    (lambda P: P[1].__setitem__(0, [(1.0, 1, math.nan, False)]),
     r"P\[1\]\[0\]\[0\]: reward of \(state 1, action 0\) is not finite: nan"),
    (lambda P: P[1].__setitem__(0, [(1.0, 2, 0.0, False)]),
     r"P\[1\]\[0\]\[0\]: next state 2 of \(state 1, action 0\) is not a state \(0..1\)"),
    (lambda P: P[1].__setitem__(0, [(1.0, 1.0, 0.0, False)]),
     r"P\[1\]\[0\]\[0\]: next state: expected an integer, got 1.0"),
    (lambda P: P[1].__setitem__(0, [(1.0, 1, 0.0)]),
     r"P\[1\]\[0\]\[0\]: expected \(probability, next_state, reward, done\)"),
    (lambda P: P[1].__setitem__(0, []), r"P\[1\]\[0\]: no transitions of \(state 1, action 0\)"),
    (lambda P: P[1].__setitem__(0, "x"), r"P\[1\]\[0\]: expected a list"),
    (lambda P: P.__setitem__(1, [0, 1]), r"P\[1\]: expected a dict"),
    (lambda P: P[1].__setitem__(0, [("a", 1, 0.0, False)]),
     r"P\[1\]\[0\]\[0\]: probability and reward must be numbers"),
    (lambda P: P[1].__setitem__(0, [(1.0, 1, 0.0, None)]),
     r"P\[1\]\[0\]\[0\]: done must be a bool"),
])
def test_bad_dictionaries_name_the_state_and_action(change, message):
    with pytest.raises(ValueError, match=message):
        tabrl.Mdp.from_gymnasium_P(broken(change), 0.9)


def test_bad_arguments():
    assert tabrl.Mdp.from_gymnasium_P(good(), 0.9).states == 3
    with pytest.raises(TypeError, match="P: expected a dict"):
        tabrl.Mdp.from_gymnasium_P([{0: []}], 0.9)
    with pytest.raises(ValueError, match="P: no states"):
        tabrl.Mdp.from_gymnasium_P({}, 0.9)
    with pytest.raises(ValueError, match="P\\[0\\]: no actions"):
        tabrl.Mdp.from_gymnasium_P({0: {}}, 0.9)
    with pytest.raises(ValueError, match=r"rho: expected shape \(2,\) \(the states of P\), got \(3,\)"):
        tabrl.Mdp.from_gymnasium_P(good(), 0.9, rho=[0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="rho: start probabilities sum to 0.9, not 1"):
        tabrl.Mdp.from_gymnasium_P(good(), 0.9, rho=[0.4, 0.5])
    with pytest.raises(ValueError, match=r"gamma: discount must be in \[0, 1\), got 1"):
        tabrl.Mdp.from_gymnasium_P(good(), 1.0)
