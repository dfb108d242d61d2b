#include "linear_solver.hpp"

#include <tabrl/core/bicgstab.hpp>
#include <tabrl/core/dense_lu.hpp>
#include <tabrl/core/error.hpp>
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

std::optional<LinearSolverKind> fallback_solver_kind(const Mdp& mdp) {
  if (mdp.num_states() <= kFallbackStateLimit) return LinearSolverKind::dense_lu;
  return std::nullopt;
}

std::unique_ptr<PolicySystemSolver> make_policy_system_solver(const Mdp& mdp, LinearSolverKind kind,
                                                              double krylov_tolerance) {
  switch (resolve_solver_kind(mdp, kind)) {
    case LinearSolverKind::sparse_lu:
      return std::make_unique<SparseLu>(mdp);
    case LinearSolverKind::krylov:
      return std::make_unique<Bicgstab>(mdp, krylov_tolerance);
    default:
      return std::make_unique<DenseLu>(mdp);
  }
}

}  // namespace tabrl
