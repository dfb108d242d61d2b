// The convergence bounds a run can be checked against (docs/theory.md, "Convergence
// guarantees"). Each update rule says which one applies to it (UpdateRule::theory_bound).
#pragma once

#include <tabrl/core/enum_names.hpp>

namespace tabrl {

enum class TheoryBound {
  none,                  // no bound applies to this method, MDP and step
  spma_contraction,      // e_{t+1} <= (1 - eta C_t (1 - gamma)) e_t, eta < (1 - gamma)/R
  spma_bandit_constant,  // delta_t <= delta_0 (1 - eta pi_0(a*) Delta_min)^t, eta <= 1/R
  spma_bandit_gap,       // delta_{t+1} <= delta_t^2
  npg_agarwal,           // J* - J_t <= log(A)/(eta (1-gamma) t) + R/((1-gamma)^2 t)
  spg_bandit,            // J* - J_t <= 5 R / (c^2 t), eta = 2/(5R), c = min_t pi_t(a*)
  pi_contraction,        // policy iteration: e_t <= gamma^t e_0
  vi_contraction,        // value iteration: ||V_t - V*||_inf <= gamma^t ||V_0 - V*||_inf
  cen_entropy,           // ||Q*_tau - Q_tau^{t+1}|| <= C_1 gamma (1 - (1-gamma) eta tau)^t
};

constexpr EnumName<TheoryBound> kTheoryBoundNames[] = {
    {TheoryBound::none, "none"},
    {TheoryBound::spma_contraction, "spma_contraction"},
    {TheoryBound::spma_bandit_constant, "spma_bandit_constant"},
    {TheoryBound::spma_bandit_gap, "spma_bandit_gap"},
    {TheoryBound::npg_agarwal, "npg_agarwal"},
    {TheoryBound::spg_bandit, "spg_bandit"},
    {TheoryBound::pi_contraction, "pi_contraction"},
    {TheoryBound::vi_contraction, "vi_contraction"},
    {TheoryBound::cen_entropy, "cen_entropy"}};

inline const char* to_string(TheoryBound bound) { return enum_name(bound, kTheoryBoundNames); }

}  // namespace tabrl
