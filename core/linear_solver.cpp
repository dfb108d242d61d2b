#include "linear_solver.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <tabrl/core/bicgstab.hpp>
#include <tabrl/core/dense_lu.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/sparse_lu.hpp>

namespace tabrl {

LinearSolverKind parse_solver_kind(const std::string& text) {
  if (const auto kind = enum_from_name(text, kLinearSolverNames)) return *kind;
  throw InputError({.field = "solver"},
                   "expected " + enum_choices(kLinearSolverNames) + ", got '" + text + "'");
}

LinearSolverKind resolve_solver_kind(const Mdp& mdp, LinearSolverKind kind) {
  if (kind != LinearSolverKind::automatic) return kind;
  return mdp.num_states() <= kDenseStateLimit ? LinearSolverKind::dense_lu
                                              : LinearSolverKind::krylov;
}

// Defined here, where SparseLuAnalysis is complete.
FallbackChoice::FallbackChoice(std::optional<LinearSolverKind> kind, std::string reason,
                               std::unique_ptr<SparseLuAnalysis> analysis)
    : kind(kind), reason(std::move(reason)), analysis(std::move(analysis)) {}
FallbackChoice::FallbackChoice(FallbackChoice&&) noexcept = default;
FallbackChoice& FallbackChoice::operator=(FallbackChoice&&) noexcept = default;
FallbackChoice::~FallbackChoice() = default;

double value_accuracy(const Mdp& mdp, LinearSolverKind solver) {
  constexpr double kRounding = std::numeric_limits<double>::epsilon() / 2.0;  // u
  const double gamma = mdp.gamma();
  const double condition = (1.0 + gamma) / (1.0 - gamma);
  const double backward_error =
      std::max(8.0, 0.75 * std::sqrt(static_cast<double>(mdp.num_states())));
  double accuracy = std::max(kValueAccuracy, 2.0 * backward_error * kRounding * condition);
  if (solver == LinearSolverKind::krylov) {
    accuracy = std::max(accuracy, 2.0 * kDefaultKrylovTolerance * condition);
  }
  return accuracy;
}

FallbackChoice choose_fallback_solver(const Mdp& mdp) {
  SparseLuFill counted = sparse_lu_fill(mdp, kSparseFallbackEntries, kSparseFallbackWork);
  const FillCount& fill = counted.fill;
  const double states = static_cast<double>(mdp.num_states());
  const double dense_work = states * states * states / 3.0;
  const std::string limits = "limits " + format_brief(kSparseFallbackEntries) + " entries and " +
                             format_brief(kSparseFallbackWork) + " multiply-adds";
  std::string reason;
  bool sparse_cheap = false;
  double work = 0.0;
  if (counted.exact) {
    // The bound was past the limits; the exact count of the directed pattern decides.
    const DirectedFillCount& exact = *counted.exact;
    reason = "the sparse LU's factors would hold " + format_brief(exact.lower) +
             " entries below and " + format_brief(exact.upper) + " above the diagonal and take " +
             format_brief(exact.multiply_adds) +
             " multiply-adds (counted exactly; the bound from the pattern of M + M^T was past " +
             "the limits)";
    sparse_cheap = exact.lower + exact.upper <= 2.0 * kSparseFallbackEntries &&
                   exact.multiply_adds <= kSparseFallbackWork;
    work = exact.multiply_adds;
  } else {
    // The count bounds the factors from the pattern of M + M^T: where transitions go one way
    // only (many states into a few), the factors can be far smaller (docs/engine.md).
    if (fill.complete) {
      reason = "the sparse LU's factors would hold at most " + format_brief(fill.entries) +
               " entries below the diagonal and take at most " + format_brief(fill.multiply_adds) +
               " multiply-adds (a bound from the pattern of M + M^T)";
    } else if (counted.own_order) {
      reason = "the sparse LU's factors could hold more than " +
               format_brief(kSparseFallbackEntries) +
               " entries below the diagonal (a bound from the pattern of M + M^T)";
    } else {
      reason =
          "the pattern of M + M^T is wide: eliminated in reverse Cuthill-McKee order (hubs "
          "last) it fills more than " +
          format_brief(kSparseFallbackEntries) +
          " entries below the diagonal, and the sparse LU's own order is not computed for "
          "more than " +
          format_brief(kOwnOrderPatternEntries / 2.0) + " pairs of states linked";
    }
    sparse_cheap = fill.complete && fill.entries <= kSparseFallbackEntries &&
                   fill.multiply_adds <= kSparseFallbackWork;
    work = fill.multiply_adds;
  }
  if (sparse_cheap && (mdp.num_states() > kFallbackStateLimit || 10.0 * work < dense_work)) {
    return {LinearSolverKind::sparse_lu, reason, std::move(counted.analysis)};
  }
  if (mdp.num_states() <= kFallbackStateLimit) {
    reason +=
        sparse_cheap
            ? " (ten times that is above the dense LU's S^3 / 3 = " + format_brief(dense_work) + ")"
            : " (" + limits + ")";
    return {LinearSolverKind::dense_lu, reason};
  }
  reason += " (" + limits + "; the dense solver is limited to " +
            std::to_string(kFallbackStateLimit) + " states; `--solver sparse` asks for the " +
            "sparse LU all the same)";
  return {std::nullopt, reason};
}

std::unique_ptr<PolicySystemSolver> make_policy_system_solver(const Mdp& mdp, LinearSolverKind kind,
                                                              double krylov_tolerance) {
  return make_policy_system_solver(mdp, kind, krylov_tolerance, nullptr);
}

std::unique_ptr<PolicySystemSolver> make_policy_system_solver(
    const Mdp& mdp, LinearSolverKind kind, double krylov_tolerance,
    std::unique_ptr<SparseLuAnalysis>&& analysis) {
  switch (resolve_solver_kind(mdp, kind)) {
    case LinearSolverKind::sparse_lu:
      return std::make_unique<SparseLu>(mdp, std::move(analysis));
    case LinearSolverKind::krylov:
      return std::make_unique<Bicgstab>(mdp, krylov_tolerance);
    default:
      return std::make_unique<DenseLu>(mdp);
  }
}

}  // namespace tabrl
