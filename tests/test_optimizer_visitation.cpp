// Evaluations without the visitation (docs/engine.md, "Evaluations without the visitation"): the
// loop solves M^T x = rho only when the rule or a callback reads d, and a run that skips it is
// otherwise the same run, bit for bit, on every solver.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include <tabrl/algorithms/npg.hpp>
#include <tabrl/algorithms/optimizer.hpp>
#include <tabrl/algorithms/pi.hpp>
#include <tabrl/algorithms/spma.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/mdps/builtin.hpp>

#include "forwarding_rule.hpp"
#include "helpers.hpp"

namespace tabrl {
namespace {

// The same rule, asking for the visitation.
class WithVisitation final : public testing::ForwardingRule {
 public:
  using ForwardingRule::ForwardingRule;
  bool needs_visitation() const override { return true; }
};

// Everything a run reports but the visitation, row by row; and whether d was solved.
class Recorder final : public IterationCallback {
 public:
  explicit Recorder(bool wants_visitation = false) : wants_visitation_(wants_visitation) {}
  bool needs_visitation() const override { return wants_visitation_; }
  CallbackAction on_iteration(const IterationSummary& summary) override {
    const Evaluation& e = summary.evaluation;
    std::vector<double> row{summary.objective, summary.suboptimality, summary.value_error_inf,
                            summary.step.step_size};
    row.insert(row.end(), summary.diagnostics.begin(), summary.diagnostics.end());
    for (const auto* values : {&e.v}) row.insert(row.end(), values->begin(), values->end());
    for (const StateActionMatrix* table : {&e.policy, &e.q, &e.advantage}) {
      row.insert(row.end(), table->data(), table->data() + table->size());
    }
    rows.push_back(std::move(row));
    visitation_solved.push_back(e.visitation.size() == e.v.size() && e.visitation.allFinite() &&
                                std::abs(e.visitation.sum() - 1.0) < 1e-9);
    visitation_nan.push_back(e.visitation.size() == e.v.size() &&
                             e.visitation.array().isNaN().all());
    return CallbackAction::proceed;
  }
  std::vector<std::vector<double>> rows;
  std::vector<bool> visitation_solved, visitation_nan;

 private:
  bool wants_visitation_;
};

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  }
  return true;
}

bool all_of(const std::vector<bool>& flags) {
  for (const bool flag : flags) {
    if (!flag) return false;
  }
  return !flags.empty();
}

void check_same_run(const Mdp& mdp, UpdateRule& rule, LinearSolverKind solver, int iterations) {
  REQUIRE_FALSE(rule.needs_visitation());
  const OptimalSolution optimal = solve_optimal(mdp);
  const OptimizerOptions options{.max_iterations = iterations, .solver = solver};
  const StateActionMatrix initial = random_logits(mdp.num_states(), mdp.num_actions(), 3, 1.0);

  Recorder skipped;
  IterationCallback* skipped_callbacks[] = {&skipped};
  const OptimizerResult a = optimize(mdp, optimal, rule, initial, options, skipped_callbacks);
  CHECK(all_of(skipped.visitation_nan));  // not solved, and visibly so

  WithVisitation asking(rule);
  Recorder solved;
  IterationCallback* solved_callbacks[] = {&solved};
  const OptimizerResult b = optimize(mdp, optimal, asking, initial, options, solved_callbacks);
  CHECK(all_of(solved.visitation_solved));

  // A callback that reads d gets it, whatever the rule.
  Recorder reader(true);
  IterationCallback* reader_callbacks[] = {&reader};
  const OptimizerResult c = optimize(mdp, optimal, rule, initial, options, reader_callbacks);
  CHECK(all_of(reader.visitation_solved));

  CHECK(a.status == b.status);
  CHECK(a.iterations == b.iterations);
  REQUIRE(skipped.rows.size() == solved.rows.size());
  REQUIRE(skipped.rows.size() == reader.rows.size());
  for (std::size_t t = 0; t < skipped.rows.size(); ++t) {
    CAPTURE(t);
    CHECK(same_bits(skipped.rows[t], solved.rows[t]));
    CHECK(same_bits(skipped.rows[t], reader.rows[t]));
  }
  CHECK((a.parameters.array() == b.parameters.array()).all());
  CHECK((a.parameters.array() == c.parameters.array()).all());
}

TEST_CASE("a run without the visitation is the same run, on every solver") {
  const Mdp dense = testing::random_mdp(23, 4, 0.9, 5);
  const Mdp garnet = make_garnet(700, 3, 4, 2);
  Spma spma(dense, {.step_size = 0.05});
  Npg npg({.step_size = 1.0});
  PolicyIteration pi;
  for (const LinearSolverKind solver :
       {LinearSolverKind::dense_lu, LinearSolverKind::sparse_lu, LinearSolverKind::krylov}) {
    CAPTURE(to_string(solver));
    check_same_run(dense, spma, solver, 40);
    check_same_run(dense, npg, solver, 40);
    check_same_run(dense, pi, solver, 5);
  }
  Spma garnet_spma(garnet, {.step_size = 0.05});
  check_same_run(garnet, garnet_spma, LinearSolverKind::krylov, 15);
  // 80 states: the dense solver's GMRES answers (the LU below 48 states).
  const Mdp larger = testing::random_mdp(80, 3, 0.9, 6);
  Spma larger_spma(larger, {.step_size = 0.05});
  check_same_run(larger, larger_spma, LinearSolverKind::dense_lu, 40);
  check_same_run(larger, npg, LinearSolverKind::dense_lu, 40);
}

}  // namespace
}  // namespace tabrl
