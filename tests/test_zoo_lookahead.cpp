// The look-ahead methods of docs/algorithms.md (apg, spg_armijo, gnpg) against an independent
// dense reference written from their update formulas: every iterate, step size and restart of
// optimize(...) on random MDPs and bandits; the Armijo condition at every accepted step; the
// endings line_search_failed, stationary and non_finite; geometric steps; the registry's errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <tabrl/algorithms/apg.hpp>
#include <tabrl/algorithms/gnpg.hpp>
#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/spg_armijo.hpp>
#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/optimal.hpp>

#include "helpers.hpp"
#include "run_helpers.hpp"

using namespace tabrl;
using tabrl::testing::input_error_of;
using tabrl::testing::random_mdp;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// The reference: plain column-major Eigen, its own softmax, its own solves (Householder QR where
// the library factorises with LU), the update formulas as docs/algorithms.md writes them.

using DenseMatrix = Eigen::MatrixXd;
using DenseVector = Eigen::VectorXd;

struct DenseMdp {
  Index states = 0;
  Index actions = 0;
  double gamma = 0.0;
  DenseMatrix transitions;  // row s * A + a holds P[s, a, :]
  DenseMatrix rewards;      // S x A
  DenseVector rho;

  explicit DenseMdp(const Mdp& mdp)
      : states(mdp.num_states()),
        actions(mdp.num_actions()),
        gamma(mdp.gamma()),
        transitions(DenseMatrix(mdp.transitions())),
        rewards(mdp.rewards()),
        rho(mdp.rho()) {}
};

struct DenseEvaluation {
  DenseMatrix policy;
  double objective = 0.0;
  DenseMatrix gradient;  // dJ/dz = d pi A / (1 - gamma)
};

DenseEvaluation dense_evaluate(const DenseMdp& m, const DenseMatrix& logits) {
  DenseEvaluation out;
  out.policy.resize(m.states, m.actions);
  for (Index s = 0; s < m.states; ++s) {
    const Eigen::ArrayXd weights = (logits.row(s).array() - logits.row(s).maxCoeff()).exp();
    out.policy.row(s) = (weights / weights.sum()).matrix().transpose();
  }
  DenseMatrix system = DenseMatrix::Identity(m.states, m.states);
  DenseVector reward_pi = DenseVector::Zero(m.states);
  for (Index s = 0; s < m.states; ++s) {
    for (Index a = 0; a < m.actions; ++a) {
      system.row(s) -= m.gamma * out.policy(s, a) * m.transitions.row(s * m.actions + a);
      reward_pi[s] += out.policy(s, a) * m.rewards(s, a);
    }
  }
  const DenseVector v = system.colPivHouseholderQr().solve(reward_pi);
  const DenseVector visitation =
      (1.0 - m.gamma) * DenseMatrix(system.transpose()).colPivHouseholderQr().solve(m.rho);
  out.objective = m.rho.dot(v);
  out.gradient.resize(m.states, m.actions);
  for (Index s = 0; s < m.states; ++s) {
    for (Index a = 0; a < m.actions; ++a) {
      const double q = m.rewards(s, a) + m.gamma * m.transitions.row(s * m.actions + a).dot(v);
      out.gradient(s, a) = visitation[s] * out.policy(s, a) * (q - v[s]) / (1.0 - m.gamma);
    }
  }
  return out;
}

// eta_t of the step-size schedule: eta / gamma^t when geometric.
double reference_step(double eta, bool geometric, double gamma, int t) {
  return geometric ? eta / std::pow(gamma, t) : eta;
}

struct ReferenceRow {
  double objective = 0.0;
  DenseMatrix policy;
  double step_size = kNaN;
  double restarted = kNaN;  // apg only
  // How far from a tie the decision that made this row was: |J(phi_t) - J(theta_t)| (apg), the
  // smallest |J(trial) - required| of the line search (spg_armijo); infinite when none was made.
  double decision_margin = std::numeric_limits<double>::infinity();
};

struct ReferenceRun {
  std::vector<ReferenceRow> rows;
  RunStatus status = RunStatus::max_iterations;
  // The closest call among the run's decisions (a restart, an accepted or refused trial step):
  // the test's instances keep it far above rounding, so both sides decide the same way.
  double closest_decision = std::numeric_limits<double>::infinity();
  int restarts = 0;
};

// APG as docs/algorithms.md writes it, every sequence formed when its index comes up:
// theta_{t+1} = omega_t + eta_t (t+1)/(t+2) g(omega_t), phi_{t+1} = theta_{t+1} + t/(t+3)
// (theta_{t+1} - theta_t), omega_{t+1} = phi_{t+1} if J(phi_{t+1}) >= J(theta_{t+1}).
ReferenceRun reference_apg(const DenseMdp& m, double eta, bool geometric, int iterations,
                           const DenseMatrix& initial_logits = {}) {
  ReferenceRun run;
  DenseMatrix theta =
      initial_logits.size() > 0 ? initial_logits : DenseMatrix::Zero(m.states, m.actions);
  DenseMatrix omega = theta;
  DenseEvaluation at_theta = dense_evaluate(m, theta);
  double restarted = 0.0;
  double margin = std::numeric_limits<double>::infinity();
  for (int t = 0;; ++t) {
    const double step = reference_step(eta, geometric, m.gamma, t) * (t + 1) / (t + 2);
    run.rows.push_back({at_theta.objective, at_theta.policy, step, restarted, margin});
    if (t == iterations) break;
    const DenseMatrix theta_next = omega + step * dense_evaluate(m, omega).gradient;
    const DenseMatrix phi_next =
        theta_next + (static_cast<double>(t) / (t + 3)) * (theta_next - theta);
    const DenseEvaluation at_theta_next = dense_evaluate(m, theta_next);
    const double phi_objective = dense_evaluate(m, phi_next).objective;
    margin = phi_next != theta_next ? std::abs(phi_objective - at_theta_next.objective)
                                    : std::numeric_limits<double>::infinity();
    run.closest_decision = std::min(run.closest_decision, margin);
    const bool restart = !(phi_objective >= at_theta_next.objective);
    restarted = restart ? 1.0 : 0.0;
    run.restarts += restart ? 1 : 0;
    omega = restart ? theta_next : phi_next;
    theta = theta_next;
    at_theta = at_theta_next;
  }
  return run;
}

// Armijo backtracking: the first k in 0..60 with J(z + eta_max beta^k g) >= J(z) + c eta ||g||^2.
ReferenceRun reference_armijo(const DenseMdp& m, double eta_max, double c, double beta,
                              bool geometric, int iterations) {
  ReferenceRun run;
  DenseMatrix z = DenseMatrix::Zero(m.states, m.actions);
  for (int t = 0;; ++t) {
    const DenseEvaluation at_z = dense_evaluate(m, z);
    const DenseMatrix& g = at_z.gradient;
    const double squared_norm = g.array().square().sum();
    const double eta_t = reference_step(eta_max, geometric, m.gamma, t);
    double accepted = kNaN;
    double margin = std::numeric_limits<double>::infinity();
    for (int k = 0; k <= 60 && std::isnan(accepted); ++k) {
      const double trial = eta_t * std::pow(beta, k);
      const double trial_objective = dense_evaluate(m, z + trial * g).objective;
      const double required = at_z.objective + c * trial * squared_norm;
      if (squared_norm > 0.0) margin = std::min(margin, std::abs(trial_objective - required));
      if (trial_objective >= required) accepted = trial;
    }
    run.closest_decision = std::min(run.closest_decision, margin);
    run.rows.push_back({at_z.objective, at_z.policy, accepted, kNaN, margin});
    if (t == iterations) break;
    if (std::isnan(accepted)) {
      run.status = RunStatus::line_search_failed;
      break;
    }
    z += accepted * g;
  }
  return run;
}

// Normalised gradient steps z += eta_t g / ||g||; a zero gradient is stationary.
ReferenceRun reference_gnpg(const DenseMdp& m, double eta, bool geometric, int iterations) {
  ReferenceRun run;
  DenseMatrix z = DenseMatrix::Zero(m.states, m.actions);
  for (int t = 0;; ++t) {
    const DenseEvaluation at_z = dense_evaluate(m, z);
    const double eta_t = reference_step(eta, geometric, m.gamma, t);
    run.rows.push_back({at_z.objective, at_z.policy, eta_t});
    if (t == iterations) break;
    // ||g|| scaled by its largest entry: the squares of a gradient of 1e-200 underflow to 0.
    const double largest = at_z.gradient.cwiseAbs().maxCoeff();
    if (largest == 0.0) {
      run.status = RunStatus::stationary;
      break;
    }
    const double norm = largest * std::sqrt((at_z.gradient / largest).array().square().sum());
    z += eta_t * at_z.gradient / norm;
  }
  return run;
}

// ---------------------------------------------------------------------------------------------
// The library's side: every row as the loop hands it to the callbacks.

struct Row {
  double objective = 0.0;
  StateActionMatrix policy;
  double step_size = kNaN;
  std::vector<double> diagnostics;
  double squared_gradient_norm = 0.0;  // ||dJ/dz||^2 at this row's policy
};

struct Recorder final : IterationCallback {
  double gamma = 0.0;
  std::vector<Row> rows;
  StateActionMatrix gradient;

  explicit Recorder(double discount) : gamma(discount) {}
  CallbackAction on_iteration(const IterationSummary& summary) override {
    policy_gradient(summary.evaluation, gamma, gradient);
    rows.push_back({summary.objective,
                    summary.evaluation.policy,
                    summary.step.step_size,
                    {summary.diagnostics.begin(), summary.diagnostics.end()},
                    gradient.squaredNorm()});
    return CallbackAction::proceed;
  }
};

struct LibraryRun {
  OptimizerResult result;
  std::vector<Row> rows;
};

LibraryRun run_library(const Mdp& mdp, UpdateRule& rule, int iterations,
                       const StateActionMatrix& initial_logits = {}) {
  const OptimalSolution optimal = solve_optimal(mdp);
  Recorder recorder(mdp.gamma());
  IterationCallback* callbacks[] = {&recorder};
  OptimizerResult result =
      optimize(mdp, optimal, rule,
               initial_logits.size() > 0 ? initial_logits
                                         : uniform_logits(mdp.num_states(), mdp.num_actions()),
               {.max_iterations = iterations}, callbacks);
  return {std::move(result), std::move(recorder.rows)};
}

LibraryRun run_library(const Mdp& mdp, const std::string& spec, const std::string& step,
                       int iterations) {
  const auto rule = make_algorithm(spec, step, mdp);
  return run_library(mdp, *rule, iterations);
}

bool same_step(double library, double reference) {
  if (std::isnan(reference)) return std::isnan(library);
  return std::abs(library - reference) <= 1e-14 * std::abs(reference);
}

// Row by row: J and pi to `tolerance` (relative to the value scale for J), the step to
// rounding, the restart flag exactly.
void check_same_run(const LibraryRun& library, const ReferenceRun& reference, const Mdp& mdp,
                    double tolerance = 1e-10) {
  const double scale = std::max(1.0, mdp.value_scale());
  CHECK(library.result.status == reference.status);
  REQUIRE(library.rows.size() == reference.rows.size());
  // A decision closer than this could go either way by rounding: the instance would be unfit.
  CHECK(reference.closest_decision > 1e-11 * scale);
  double objective_difference = 0.0;
  double policy_difference = 0.0;
  for (std::size_t t = 0; t < reference.rows.size(); ++t) {
    CAPTURE(t);
    const Row& row = library.rows[t];
    const ReferenceRow& expected = reference.rows[t];
    objective_difference =
        std::max(objective_difference, std::abs(row.objective - expected.objective));
    policy_difference = std::max(policy_difference,
                                 (DenseMatrix(row.policy) - expected.policy).cwiseAbs().maxCoeff());
    CHECK(same_step(row.step_size, expected.step_size));
    if (!std::isnan(expected.restarted)) {
      REQUIRE(row.diagnostics.size() == 1);
      CHECK(row.diagnostics[0] == expected.restarted);
    }
  }
  CHECK(objective_difference <= tolerance * scale);
  CHECK(policy_difference <= tolerance);
}

// The instances of the comparisons: random MDPs (rewards in [0, 1] and [-1, 1], several
// discounts) and bandits.
std::vector<Mdp> instances() {
  std::vector<Mdp> mdps;
  mdps.push_back(random_mdp(5, 3, 0.9, 1));
  mdps.push_back(random_mdp(4, 4, 0.7, 2));
  mdps.push_back(random_mdp(7, 2, 0.95, 3, -1.0, 1.0));
  mdps.push_back(make_bandit({0.2, 0.5, 0.9}));
  mdps.push_back(make_random_bandit(6, 0.05, 11));
  return mdps;
}

}  // namespace

TEST_CASE("apg follows the reference iterate by iterate: J, pi, step and the restarted column") {
  for (const Mdp& mdp : instances()) {
    const DenseMdp dense(mdp);
    for (double eta : {apg_theory_step(mdp), 1.0, 20.0}) {
      CAPTURE(mdp.num_states());
      CAPTURE(eta);
      Apg apg({.step_size = eta});
      check_same_run(run_library(mdp, apg, 60), reference_apg(dense, eta, false, 60), mdp);
    }
  }
}

TEST_CASE("apg restarts: the column is 1 exactly where J(phi_t) < J(theta_t)") {
  // From uniform logits the momentum point is never worse on these instances (the restarts seen
  // with huge steps are ties at the floating-point floor); from random logits it can be, by a
  // wide margin (at least 1e-4 here, far above rounding).
  struct Instance {
    Mdp mdp;
    std::uint64_t seed;  // of the initial logits
    double scale, eta;
  };
  const std::vector<Instance> cases = {{random_mdp(5, 2, 0.99, 30, -1.0, 1.0), 30, 5.0, 100.0},
                                       {random_mdp(6, 3, 0.99, 19, -1.0, 1.0), 19, 2.0, 10.0},
                                       {make_random_bandit(6, 0.1, 29), 29, 5.0, 100.0}};
  for (const Instance& instance : cases) {
    const Mdp& mdp = instance.mdp;
    CAPTURE(instance.seed);
    const StateActionMatrix initial =
        random_logits(mdp.num_states(), mdp.num_actions(), instance.seed, instance.scale);
    Apg apg({.step_size = instance.eta});
    const LibraryRun library = run_library(mdp, apg, 100, initial);
    const ReferenceRun reference =
        reference_apg(DenseMdp(mdp), instance.eta, false, 100, DenseMatrix(initial));
    // gamma = 0.99 and momentum: rounding grows to about 1e-9 in pi over 100 iterations.
    check_same_run(library, reference, mdp, 1e-8);
    CHECK(reference.restarts >= 1);
    int restarts = 0;
    for (std::size_t t = 0; t < library.rows.size(); ++t) {
      if (library.rows[t].diagnostics.at(0) != 1.0) continue;
      ++restarts;
      CHECK(t > 0);
      CHECK(reference.rows[t].decision_margin > 1e-4);
    }
    CHECK(restarts == reference.restarts);
  }
}

TEST_CASE("spg_armijo follows the reference: every accepted step and iterate") {
  struct Setting {
    double eta_max, c, beta;
  };
  for (const Mdp& mdp : instances()) {
    const DenseMdp dense(mdp);
    for (const Setting& setting : {Setting{1.0, 0.5, 0.5}, Setting{100.0, 0.5, 0.5},
                                   Setting{1e4, 0.9, 0.7}, Setting{50.0, 0.1, 0.3}}) {
      CAPTURE(mdp.num_states());
      CAPTURE(setting.eta_max);
      CAPTURE(setting.c);
      SpgArmijo rule({.step_size = setting.eta_max, .c = setting.c, .beta = setting.beta});
      check_same_run(run_library(mdp, rule, 40),
                     reference_armijo(dense, setting.eta_max, setting.c, setting.beta, false, 40),
                     mdp);
    }
  }
}

TEST_CASE("spg_armijo: every accepted step satisfies the Armijo condition, and backtracks") {
  // The loop evaluates the accepted point with the same evaluator as the line search did
  // (dense LU, no warm start): J_{t+1} is the very number the test accepted.
  std::vector<Mdp> mdps = instances();
  mdps.push_back(make_five_by_five());
  int backtracked = 0;
  for (const Mdp& mdp : mdps) {
    for (double eta_max : {1.0, 1e3, 1e6}) {
      CAPTURE(mdp.num_states());
      CAPTURE(eta_max);
      SpgArmijo rule({.step_size = eta_max, .c = 0.5, .beta = 0.5});
      const LibraryRun run = run_library(mdp, rule, 200);
      CHECK(run.result.status == RunStatus::max_iterations);
      for (std::size_t t = 0; t + 1 < run.rows.size(); ++t) {
        CAPTURE(t);
        const Row& row = run.rows[t];
        CHECK(run.rows[t + 1].objective >=
              row.objective + 0.5 * row.step_size * row.squared_gradient_norm);
        // An accepted step is eta_max beta^k for some k in 0..60.
        const double k = std::log2(eta_max / row.step_size);
        CHECK(k == std::round(k));
        CHECK(k >= 0.0);
        CHECK(k <= 60.0);
        backtracked += k > 0.0 ? 1 : 0;
      }
    }
  }
  CHECK(backtracked > 0);
}

TEST_CASE("spg_armijo: no accepted step ends the run with line_search_failed, curve kept") {
  // Two arms, c close to 1 and beta = 0.9: the smallest trial 100 * 0.9^60 = 0.18 is still
  // too long for the sufficient increase once pi(best) > 1/2 makes J concave along g.
  const Mdp mdp = make_bandit({0.0, 1.0});
  const DenseMdp dense(mdp);
  const LibraryRun library = run_library(mdp, "spg_armijo(c=0.999,beta=0.9)", "100", 300);
  const ReferenceRun reference = reference_armijo(dense, 100.0, 0.999, 0.9, false, 300);
  check_same_run(library, reference, mdp);
  CHECK(library.result.status == RunStatus::line_search_failed);
  CHECK(library.result.iterations == 1);
  REQUIRE(library.rows.size() == 2);
  CHECK(library.rows[0].step_size == doctest::Approx(100.0 * std::pow(0.9, 59)));
  CHECK(std::isnan(library.rows[1].step_size));
  CHECK(library.rows[1].objective > library.rows[0].objective);
  const std::string& message = library.result.message;
  CHECK(message.find("iteration 1 ") != std::string::npos);
  CHECK(message.find("the last trial step " + format_number(100.0 * std::pow(0.9, 60))) !=
        std::string::npos);
  // The same instance with the default c = 1/2 runs on.
  CHECK(run_library(mdp, "spg_armijo", "100", 300).result.status == RunStatus::max_iterations);
}

TEST_CASE("spg_armijo: the same run at any reward scale, without overflow in ||g||^2") {
  // Rewards and steps scaled by 2^k and 2^-k: every quantity scales exactly, so the runs are
  // the same to the bit. Before, ||g||^2 overflowed at rewards of 1e156 (every trial failed) and
  // underflowed to 0 at 1e-166 (the test accepted anything).
  const std::vector<double> means = {0.2, 0.5, 0.9};
  const LibraryRun unit = run_library(make_bandit(means), "spg_armijo", "10", 50);
  REQUIRE(unit.result.status == RunStatus::max_iterations);
  for (const int k : {520, -550}) {
    CAPTURE(k);
    std::vector<double> scaled = means;
    for (double& mean : scaled) mean = std::ldexp(mean, k);
    const LibraryRun run =
        run_library(make_bandit(scaled), "spg_armijo", format_number(std::ldexp(10.0, -k)), 50);
    CHECK(run.result.status == RunStatus::max_iterations);
    REQUIRE(run.rows.size() == unit.rows.size());
    for (std::size_t t = 0; t < run.rows.size(); ++t) {
      CAPTURE(t);
      CHECK(run.rows[t].policy == unit.rows[t].policy);
      if (!std::isnan(unit.rows[t].step_size)) {
        CHECK(run.rows[t].step_size == std::ldexp(unit.rows[t].step_size, -k));
      }
    }
  }
}

TEST_CASE("spg_armijo: a zero gradient accepts k = 0 and leaves the policy where it is") {
  const Mdp mdp = make_bandit({0.5, 0.5, 0.5, 0.5});
  const LibraryRun run = run_library(mdp, "spg_armijo", "3", 5);
  CHECK(run.result.status == RunStatus::max_iterations);
  REQUIRE(run.rows.size() == 6);
  for (const Row& row : run.rows) {
    CHECK(row.squared_gradient_norm == 0.0);
    CHECK(row.step_size == 3.0);
    CHECK(row.policy == StateActionMatrix::Constant(1, 4, 0.25));
  }
}

TEST_CASE("gnpg follows the reference iterate by iterate") {
  for (const Mdp& mdp : instances()) {
    const DenseMdp dense(mdp);
    for (double eta : {0.1, 1.0, 5.0}) {
      CAPTURE(mdp.num_states());
      CAPTURE(eta);
      Gnpg gnpg({.step_size = eta});
      check_same_run(run_library(mdp, gnpg, 80), reference_gnpg(dense, eta, false, 80), mdp);
    }
  }
}

TEST_CASE("gnpg: a gradient that is exactly zero ends the run as stationary") {
  // Equal means: every advantage is 0 exactly at the uniform start.
  const Mdp equal = make_bandit({0.5, 0.5, 0.5, 0.5});
  const LibraryRun at_start = run_library(equal, "gnpg", "1", 100);
  CHECK(at_start.result.status == RunStatus::stationary);
  CHECK(at_start.result.iterations == 0);
  CHECK(at_start.rows.size() == 1);
  CHECK(at_start.result.message.find("iteration 0 ") != std::string::npos);
  // Steps of length 100 make the other arms' probabilities underflow to 0: pi is then exactly
  // greedy, the gradient exactly zero, and the run ends there, at a later iteration.
  const Mdp bandit = make_bandit({0.2, 0.5, 0.9});
  const LibraryRun later = run_library(bandit, "gnpg", "100", 1000);
  CHECK(later.result.status == RunStatus::stationary);
  CHECK(later.result.iterations > 0);
  CHECK(later.result.iterations < 1000);
  CHECK(later.result.message.find("iteration " + std::to_string(later.result.iterations) + " ") !=
        std::string::npos);
  CHECK(later.result.suboptimality == 0.0);
  CHECK(reference_gnpg(DenseMdp(bandit), 100.0, false, 1000).rows.size() == later.rows.size());
}

TEST_CASE("gnpg: the same direction at any reward scale, and no underflow to 'stationary'") {
  // g / ||g|| does not depend on the rewards' scale: rewards scaled by 2^k give the same run to
  // the bit, on a bandit and on an MDP, as long as no value is subnormal.
  const std::vector<double> means = {0.2, 0.5, 0.9};
  const LibraryRun unit = run_library(make_bandit(means), "gnpg", "0.5", 40);
  REQUIRE(unit.result.status == RunStatus::max_iterations);
  const Mdp mdp = random_mdp(6, 3, 0.9, 5);
  const LibraryRun unit_mdp = run_library(mdp, "gnpg", "0.5", 40);
  for (const int k : {-1000, -600, 600, 990}) {
    CAPTURE(k);
    std::vector<double> scaled = means;
    for (double& mean : scaled) mean = std::ldexp(mean, k);
    const LibraryRun run = run_library(make_bandit(scaled), "gnpg", "0.5", 40);
    CHECK(run.result.status == RunStatus::max_iterations);
    REQUIRE(run.rows.size() == unit.rows.size());
    for (std::size_t t = 0; t < run.rows.size(); ++t)
      CHECK(run.rows[t].policy == unit.rows[t].policy);
    if (std::abs(k) > 600)
      continue;  // the MDP's values (r / (1 - gamma)) would pass the accepted range
    MdpParts parts = mdp.parts();
    for (double& reward : parts.rewards.reshaped()) reward = std::ldexp(reward, k);
    const Mdp scaled_mdp(parts);
    const LibraryRun mdp_run = run_library(scaled_mdp, "gnpg", "0.5", 40);
    REQUIRE(mdp_run.rows.size() == unit_mdp.rows.size());
    for (std::size_t t = 0; t < mdp_run.rows.size(); ++t) {
      CHECK(mdp_run.rows[t].policy == unit_mdp.rows[t].policy);
    }
  }
  // Rewards so small that pi A underflows to zero (2^-1073, a subnormal): the run used to end
  // "stationary" at iteration 0; it now moves towards the best arm.
  const LibraryRun tiny = run_library(
      make_bandit({0.0, std::ldexp(1.0, -1074), std::ldexp(1.0, -1073)}), "gnpg", "0.5", 40);
  CHECK(tiny.result.status == RunStatus::max_iterations);
  CHECK(tiny.rows.back().policy(0, 2) > 0.99);
}

TEST_CASE("geometric steps: eta gamma^(-t) in every method's step column and iterates") {
  const Mdp mdp = random_mdp(5, 3, 0.8, 21);
  const DenseMdp dense(mdp);
  const double gamma = mdp.gamma();
  const int iterations = 25;
  {
    const LibraryRun run = run_library(mdp, "apg(schedule=geometric)", "0.5", iterations);
    check_same_run(run, reference_apg(dense, 0.5, true, iterations), mdp, 1e-9);
    for (std::size_t t = 0; t < run.rows.size(); ++t) {
      const double expected = 0.5 * std::pow(gamma, -static_cast<double>(t)) *
                              (static_cast<double>(t) + 1.0) / (static_cast<double>(t) + 2.0);
      CHECK(run.rows[t].step_size == doctest::Approx(expected).epsilon(1e-14));
    }
  }
  {
    // GNPG's step is normalised by the gradient's norm: from about iteration 20 on here the
    // gradient is at rounding level, and its direction (rounding noise) moves the policy by
    // eta gamma^(-t) ~ 40 times that noise. Iterates are compared while the gradient means
    // something; the step column over all iterations.
    constexpr int kMeaningful = 18;
    const LibraryRun meaningful = run_library(mdp, "gnpg(schedule=geometric)", "0.2", kMeaningful);
    check_same_run(meaningful, reference_gnpg(dense, 0.2, true, kMeaningful), mdp, 1e-9);
    const LibraryRun run = run_library(mdp, "gnpg(schedule=geometric)", "0.2", iterations);
    REQUIRE(run.rows.size() == static_cast<std::size_t>(iterations) + 1);
    for (std::size_t t = 0; t < run.rows.size(); ++t) {
      CHECK(run.rows[t].step_size ==
            doctest::Approx(0.2 * std::pow(gamma, -static_cast<double>(t))).epsilon(1e-14));
    }
  }
  {
    const LibraryRun run =
        run_library(mdp, "spg_armijo(schedule=geometric,beta=0.5)", "2", iterations);
    check_same_run(run, reference_armijo(dense, 2.0, 0.5, 0.5, true, iterations), mdp, 1e-9);
    // eta_max is reset to 2 gamma^(-t) at every iteration, then halved k times.
    for (std::size_t t = 0; t < run.rows.size(); ++t) {
      const double k =
          std::log2(2.0 * std::pow(gamma, -static_cast<double>(t)) / run.rows[t].step_size);
      CHECK(std::abs(k - std::round(k)) < 1e-9);
      CHECK(k > -1e-9);
    }
  }
}

TEST_CASE("a geometric step that overflows ends the run as non_finite, naming the iteration") {
  const Mdp mdp = random_mdp(4, 3, 0.5, 31);
  const OptimalSolution optimal = solve_optimal(mdp);
  PolicyEvaluator evaluator(mdp);
  Evaluation evaluation;
  const StateActionMatrix logits = uniform_logits(4, 3);
  evaluator.evaluate_logits(logits, evaluation);
  // 0.5^(-2000) overflows.
  const StepContext context{
      .iteration = 2000, .mdp = mdp, .optimal = optimal, .evaluator = evaluator};
  for (const char* spec :
       {"apg(schedule=geometric)", "spg_armijo(schedule=geometric)", "gnpg(schedule=geometric)"}) {
    CAPTURE(spec);
    const auto rule = make_algorithm(spec, "1", mdp);
    StateActionMatrix next(4, 3);
    std::vector<double> diagnostics(rule->diagnostic_names().size());
    const StepReport report = rule->step(context, evaluation, logits, next, diagnostics);
    CHECK(report.outcome == StepOutcome::non_finite);
    CHECK(report.message.find("iteration 2000 overflowed") != std::string::npos);
  }
  // Whole runs end non_finite too (the step, or the logits it makes, overflow first). Armijo's
  // line search fails before: no trial step of eta_max beta^k, k <= 60, is short enough.
  // GNPG's normalised steps make the policy one-hot long before the step overflows; when
  // rounding then leaves its gradient exactly zero, the run ends (truthfully) stationary.
  for (const std::string spec : {"apg(schedule=geometric)", "gnpg(schedule=geometric)"}) {
    CAPTURE(spec);
    const RunStatus status = run_library(mdp, spec, "1", 5000).result.status;
    CHECK((status == RunStatus::non_finite ||
           (spec.starts_with("gnpg") && status == RunStatus::stationary)));
  }
}

TEST_CASE("registry: the look-ahead methods, their parameters, step rules and errors") {
  const Mdp mdp = make_five_by_five();
  CHECK(make_algorithm("apg", "theory", mdp)->nominal_step_size() ==
        doctest::Approx(0.001 / (16.0 * 0.9)));
  CHECK(apg_theory_step(make_bandit({0.0, 0.5})) == doctest::Approx(1.0 / 8.0));
  CHECK(find_algorithm("apg").diagnostics == std::vector<std::string>{"restarted"});
  CHECK(make_algorithm("apg", "1", mdp)->diagnostic_names() ==
        std::vector<std::string>{"restarted"});
  const auto armijo = make_algorithm("spg_armijo(c=0.25,beta=0.75)", "3", mdp);
  const auto& options = dynamic_cast<const SpgArmijo&>(*armijo).options();
  CHECK(options.c == 0.25);
  CHECK(options.beta == 0.75);
  CHECK(options.step_size == 3.0);
  CHECK(resolved_algorithm_spec("spg_armijo") == "spg_armijo(beta=0.5,c=0.5,schedule=constant)");
  CHECK(resolved_algorithm_spec("gnpg") == "gnpg(schedule=constant)");

  CHECK(input_error_of([&] { make_algorithm("spg_armijo(c=1.5)", "1", mdp); }) ==
        "spg_armijo.c: must be in (0, 1), got 1.5");
  CHECK(input_error_of([&] { make_algorithm("spg_armijo(beta=0)", "1", mdp); }) ==
        "spg_armijo.beta: must be in (0, 1), got 0");
  CHECK(input_error_of([] { check_algorithm("spg_armijo(c=1)", "1", false); }) ==
        "spg_armijo.c: must be in (0, 1), got 1");
  CHECK(input_error_of([] { check_algorithm("spg_armijo(beta=x)", "1", false); }) ==
        "spg_armijo.beta: expected a number, got 'x'");
  CHECK(input_error_of([] { SpgArmijo({.step_size = 1.0, .c = 1.0}); }) ==
        "c: must be in (0, 1), got 1");
  CHECK(input_error_of([] { SpgArmijo({.step_size = 1.0, .beta = -0.5}); }) ==
        "beta: must be in (0, 1), got -0.5");
  CHECK(input_error_of([&] { make_algorithm("apg", "", mdp); }) ==
        "step_size: apg needs a step size: a number > 0, theory");
  CHECK(input_error_of([&] { make_algorithm("gnpg", "", mdp); }) ==
        "step_size: gnpg needs a step size: a number > 0");
  CHECK(input_error_of([&] { make_algorithm("gnpg", "theory", mdp); }) ==
        "step_size: 'theory' is not a step size of gnpg: expected a number > 0");
  CHECK(input_error_of([&] { make_algorithm("apg(c=0.5)", "1", mdp); }) ==
        "apg.c: unknown parameter of apg 'c' (known: schedule)");
  CHECK(input_error_of([] {
          check_algorithm("gnpg(schedule=geometric)", "1", true);
        }).find("gnpg.schedule: geometric steps") == 0);
  // Equal rewards: the rules take the value scale's R (here max |r| = 0.5), a finite step.
  CHECK(make_algorithm("apg", "theory", make_bandit({0.5, 0.5}))->nominal_step_size() ==
        1.0 / (16.0 * 0.5));
  CHECK(make_algorithm("spma", "safe", make_bandit({0.0, 0.0}))->nominal_step_size() == 0.99);
}
