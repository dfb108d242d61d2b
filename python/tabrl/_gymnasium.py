"""tabrl.Mdp.from_gymnasium_P: an MDP from the ``env.P`` dictionary of Gymnasium's toy-text
environments (docs/python.md, "MDPs from Gymnasium")."""

import math
import numbers
from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse

from ._tabrl import Mdp

__all__ = ["from_gymnasium_P"]

# The file readers' tolerance on a row's sum (docs/mdp-formats.md); rows within it are
# renormalised by Mdp.from_arrays.
_ROW_TOLERANCE = 1e-5


def _index(value, what):
    """An integer index (int, NumPy integer), not a bool or a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{what}: expected an integer, got {value!r}")
    return int(value)


def _actions_of(P, s):
    actions = P[s]
    if not isinstance(actions, Mapping):
        raise ValueError(f"P[{s}]: expected a dict {{action: transitions}}, got "
                         f"{type(actions).__name__}")
    return actions


def from_gymnasium_P(P, gamma, rho=None):
    """An MDP from a Gymnasium toy-text ``env.P``: ``{s: {a: [(p, s', r, done), ...]}}``.

    States are 0..S-1 with S = len(P), and every state has the actions 0..A-1 of state 0. A
    transition with done=True keeps its reward and leads to one added absorbing state, index S,
    whose every action stays there with reward 0; it is added only when some transition has
    done=True. r[s, a] is the expected reward of the entries of (s, a). rho, of shape (S,) (the
    dictionary's states), defaults to a point mass on state 0; the absorbing state starts with
    probability 0. Bad dictionaries raise ValueError naming the state and action, with the file
    readers' tolerance of 1e-5 on each (s, a)'s sum of probabilities.
    """
    if not isinstance(P, Mapping):
        raise TypeError(f"P: expected a dict {{state: {{action: transitions}}}}, got "
                        f"{type(P).__name__}")
    S = len(P)
    if S == 0:
        raise ValueError("P: no states")
    for s in range(S):
        if s not in P:
            raise ValueError(f"P: missing state {s} (the states are 0..{S - 1}, S = len(P))")
    A = len(_actions_of(P, 0))
    if A == 0:
        raise ValueError("P[0]: no actions")

    rows, columns, probabilities = [], [], []
    rewards = np.zeros((S, A))
    any_done = False
    for s in range(S):
        actions = _actions_of(P, s)
        for a in range(A):
            if a not in actions:
                raise ValueError(f"P[{s}]: missing action {a} (state 0 has the actions "
                                 f"0..{A - 1})")
        if len(actions) != A:
            extra = sorted(repr(a) for a in actions if not (isinstance(a, numbers.Integral)
                                                            and 0 <= a < A))
            raise ValueError(f"P[{s}]: action {extra[0]} is not one of state 0's actions "
                             f"0..{A - 1}")
        for a in range(A):
            entries = actions[a]
            where = f"P[{s}][{a}]"
            if isinstance(entries, (str, bytes)) or not isinstance(entries, Sequence):
                raise ValueError(f"{where}: expected a list of (probability, next_state, reward, "
                                 f"done), got {type(entries).__name__}")
            if len(entries) == 0:
                raise ValueError(f"{where}: no transitions of (state {s}, action {a})")
            row_probabilities, row_rewards = [], []
            for k, entry in enumerate(entries):
                at = f"{where}[{k}]"
                if isinstance(entry, (str, bytes)) or not isinstance(entry, Sequence) \
                        or len(entry) != 4:
                    raise ValueError(f"{at}: expected (probability, next_state, reward, done), "
                                     f"got {entry!r}")
                p, next_state, reward, done = entry
                try:
                    p, reward = float(p), float(reward)
                except (TypeError, ValueError):
                    raise ValueError(f"{at}: probability and reward must be numbers, got "
                                     f"{entry!r}") from None
                if not (0.0 <= p <= 1.0):  # NaN fails too
                    raise ValueError(f"{at}: probability {p!r} of (state {s}, action {a}) is "
                                     f"outside [0, 1]")
                if not math.isfinite(reward):
                    raise ValueError(f"{at}: reward of (state {s}, action {a}) is not finite: "
                                     f"{reward!r}")
                next_state = _index(next_state, f"{at}: next state")
                if not 0 <= next_state < S:
                    raise ValueError(f"{at}: next state {next_state} of (state {s}, action {a}) "
                                     f"is not a state (0..{S - 1})")
                if not isinstance(done, (bool, np.bool_, numbers.Integral)):
                    raise ValueError(f"{at}: done must be a bool, got {done!r}")
                if done:
                    any_done = True
                    next_state = S  # the added absorbing state
                rows.append(s * A + a)
                columns.append(next_state)
                probabilities.append(p)
                row_probabilities.append(p)
                row_rewards.append(reward)
            total = math.fsum(row_probabilities)
            if abs(total - 1.0) > _ROW_TOLERANCE:
                raise ValueError(f"{where}: transition probabilities of (state {s}, action {a}) "
                                 f"sum to {total!r}, not 1")
            # A row whose rewards are all one value keeps it exactly, as the file readers do.
            if all(x == row_rewards[0] for x in row_rewards):
                rewards[s, a] = row_rewards[0]
            else:
                rewards[s, a] = math.fsum(p * x for p, x in zip(row_probabilities, row_rewards))

    states = S + 1 if any_done else S
    if any_done:
        for a in range(A):  # the absorbing state: every action stays, reward 0
            rows.append(S * A + a)
            columns.append(S)
            probabilities.append(1.0)
        rewards = np.vstack([rewards, np.zeros((1, A))])
    transitions = scipy.sparse.coo_matrix((probabilities, (rows, columns)),
                                          shape=(states * A, states))

    if rho is None:
        start = np.zeros(states)
        start[0] = 1.0
    else:
        given = np.asarray(rho, dtype=np.float64)
        if given.shape != (S,):
            raise ValueError(f"rho: expected shape ({S},) (the states of P), got {given.shape}")
        start = np.concatenate([given, np.zeros(states - S)])
    return Mdp.from_arrays(transitions, rewards, gamma, start)
