// The function-approximation claims of the reproduction (docs/reproduce.md, "Log-linear
// policies"), read from the function_approximation sweep: SPMA's floor as features are added,
// SPMA against MDPO with m inner steps, and the inner problems themselves.
#pragma once

#include <vector>

#include <tabrl/report/report.hpp>

namespace tabrl {

// A run's plateau counts as reached when its floor_drift is at most this.
constexpr double kSettledDrift = 1e-2;
// A floor vanishes when it is at most this fraction of |J*|.
constexpr double kVanishedFloor = 1e-6;
// "At least as good" and "no larger": within this relative tolerance.
constexpr double kRelativeTie = 1e-3;
// The inner-step counts m up to this are "small m".
constexpr int kSmallInnerSteps = 10;
// Exact SPMA's Newton budget per projection (LogLinearOptions::max_newton_steps).
constexpr int kNewtonBudget = 100;

// The feature dimension of a log-linear run: k of random(dim=k), S A for one-hot, NaN for a
// file; and m and alpha of an inner-step spec (m = 0: the exact projection).
double feature_dim(const ReportRun& run);
int inner_steps_of(const ReportRun& run);

// (a) Exact SPMA converges linearly to a floor that shrinks as k grows and vanishes at full
// rank (one-hot, or random features with k >= S A).
ClaimResult fa_floor_claim(const std::vector<ReportRun>& runs);
// (b) SPMA with m inner steps is at least as good as MDPO with the same m, alpha and eta, for
// 1 < m <= kSmallInnerSteps (at m = 1 the two updates are the same step: checked, not counted).
ClaimResult fa_small_m_claim(const std::vector<ReportRun>& runs);
// (b) The relative gap (MDPO - SPMA) / MDPO of the final suboptimalities shrinks as m grows: at
// the largest m it is no larger than at the small m.
ClaimResult fa_gap_claim(const std::vector<ReportRun>& runs);
// (c) Exact SPMA's projection converged at every iteration of every run (Newton steps within
// the budget).
ClaimResult fa_newton_claim(const std::vector<ReportRun>& runs);
// (c) MDPO's inner objective is not concave: from several starts, at the first iterate of the
// sweep's MDPO runs (the uniform policy), the same monotone ascent lands at several policies
// for MDPO and at one for SPMA (algorithms/inner_landscape). Computed here, on the sweep's
// built-in MDPs and random features.
ClaimResult fa_landscape_claim(const std::vector<ReportRun>& runs);

}  // namespace tabrl
