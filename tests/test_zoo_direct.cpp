// The zoo's inner-loop, projected and dynamic-programming methods (docs/algorithms.md): mdpo,
// smdpo, ppg, pmd_euclidean, pi and vi. Each is compared iterate by iterate with an independent
// dense implementation written here from the update formulas (its own evaluation by a dense QR
// solve, its own softmax, its own projection by a search over supports); the inner gradients
// with central finite differences of the surrogates L_t; the inner loops' limits with NPG and
// SPMA; the convergence bounds of policy and value iteration; and the registry's errors.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <tabrl/algorithms/analysis.hpp>
#include <tabrl/algorithms/mdpo.hpp>
#include <tabrl/algorithms/pi.hpp>
#include <tabrl/algorithms/pmd_euclidean.hpp>
#include <tabrl/algorithms/ppg.hpp>
#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/smdpo.hpp>
#include <tabrl/algorithms/vi.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/optimal.hpp>

#include "helpers.hpp"
#include "run_helpers.hpp"

using namespace tabrl;
using tabrl::testing::input_error_of;
using tabrl::testing::random_mdp;
using tabrl::testing::Trace;

namespace {

using Dense = Eigen::MatrixXd;

// ---------------------------------------------------------------------------------------------
// The reference: dense matrices, whole-table updates, nothing shared with the library but the
// MDP's numbers.

struct Reference {
  Index states;
  Index actions;
  double gamma;
  Dense transitions;  // (S A) x S, row s A + a
  Dense rewards;      // S x A
  Vector rho;

  explicit Reference(const Mdp& mdp)
      : states(mdp.num_states()),
        actions(mdp.num_actions()),
        gamma(mdp.gamma()),
        transitions(Dense(mdp.transitions())),
        rewards(Dense(mdp.rewards())),
        rho(mdp.rho()) {}

  // r + gamma P v, as an S x A table.
  Dense look_ahead(const Vector& v) const {
    const Vector flat = transitions * v;
    Dense q(states, actions);
    for (Index s = 0; s < states; ++s) {
      for (Index a = 0; a < actions; ++a) q(s, a) = rewards(s, a) + gamma * flat[s * actions + a];
    }
    return q;
  }
};

struct Exact {
  Vector v;
  Dense q;
  Dense advantage;
  Vector visitation;  // d, sums to 1
};

// docs/theory.md ("Exact quantities of a policy") by a column-pivoting QR (the library uses an LU):
// V from (I - gamma P_pi) V = r_pi, d = (1 - gamma) x with (I - gamma P_pi)^T x = rho.
Exact evaluate(const Reference& m, const Dense& policy) {
  Dense p_pi = Dense::Zero(m.states, m.states);
  Vector r_pi = Vector::Zero(m.states);
  for (Index s = 0; s < m.states; ++s) {
    for (Index a = 0; a < m.actions; ++a) {
      p_pi.row(s) += policy(s, a) * m.transitions.row(s * m.actions + a);
      r_pi[s] += policy(s, a) * m.rewards(s, a);
    }
  }
  const Dense system = Dense::Identity(m.states, m.states) - m.gamma * p_pi;
  Exact out;
  out.v = system.colPivHouseholderQr().solve(r_pi);
  out.visitation = (1.0 - m.gamma) * Vector(system.transpose().colPivHouseholderQr().solve(m.rho));
  out.q = m.look_ahead(out.v);
  out.advantage = out.q.colwise() - out.v;
  return out;
}

Dense softmax(const Dense& logits) {
  Dense out(logits.rows(), logits.cols());
  for (Index s = 0; s < logits.rows(); ++s) {
    const Eigen::RowVectorXd e = (logits.row(s).array() - logits.row(s).maxCoeff()).exp();
    out.row(s) = e / e.sum();
  }
  return out;
}

Dense log_softmax(const Dense& logits) {
  Dense out(logits.rows(), logits.cols());
  for (Index s = 0; s < logits.rows(); ++s) {
    const double m = logits.row(s).maxCoeff();
    out.row(s) = logits.row(s).array() - m - std::log((logits.row(s).array() - m).exp().sum());
  }
  return out;
}

// MDPO's L_t(theta) = sum_s d[s] (sum_a p A - KL(p || pi_t) / eta) and its gradient as
// docs/algorithms.md writes it, for the whole table at once.
double mdpo_surrogate(const Dense& theta, const Dense& z, const Exact& e, double eta) {
  const Dense p = softmax(theta);
  const Dense log_ratio = log_softmax(theta) - log_softmax(z);
  double total = 0.0;
  for (Index s = 0; s < theta.rows(); ++s) {
    total +=
        e.visitation[s] * (p.row(s).dot(e.advantage.row(s)) - p.row(s).dot(log_ratio.row(s)) / eta);
  }
  return total;
}

Dense mdpo_gradient(const Dense& theta, const Dense& z, const Exact& e, double eta) {
  const Dense p = softmax(theta);
  const Dense log_ratio = log_softmax(theta) - log_softmax(z);
  Dense g(theta.rows(), theta.cols());
  for (Index s = 0; s < theta.rows(); ++s) {
    const double mean_advantage = p.row(s).dot(e.advantage.row(s));
    const double kl = p.row(s).dot(log_ratio.row(s));
    for (Index a = 0; a < theta.cols(); ++a) {
      g(s, a) = e.visitation[s] * p(s, a) *
                ((e.advantage(s, a) - mean_advantage) - (log_ratio(s, a) - kl) / eta);
    }
  }
  return g;
}

// sMDPO's L_t(theta) = (1/eta) sum_s d[s] sum_a pi_t (1 + eta A) log p and its gradient.
double smdpo_surrogate(const Dense& theta, const Dense& z, const Exact& e, double eta) {
  const Dense target = softmax(z).array() * (1.0 + eta * e.advantage.array());
  const Dense log_p = log_softmax(theta);
  double total = 0.0;
  for (Index s = 0; s < theta.rows(); ++s) {
    total += e.visitation[s] * target.row(s).dot(log_p.row(s));
  }
  return total / eta;
}

Dense smdpo_gradient(const Dense& theta, const Dense& z, const Exact& e, double eta) {
  const Dense target = softmax(z).array() * (1.0 + eta * e.advantage.array());
  const Dense p = softmax(theta);
  Dense g(theta.rows(), theta.cols());
  for (Index s = 0; s < theta.rows(); ++s)
    g.row(s) = e.visitation[s] * (target.row(s) - p.row(s)) / eta;
  return g;
}

// The nearest distribution by a search over supports: on a support S the nearest point of the
// simplex is y_S + (1 - sum y_S) / |S|; among the non-negative ones the nearest to y wins.
Eigen::RowVectorXd projection_by_search(const Eigen::RowVectorXd& y) {
  const Index size = y.size();
  Eigen::RowVectorXd best;
  double best_distance = std::numeric_limits<double>::infinity();
  for (unsigned mask = 1; mask < (1u << size); ++mask) {
    double total = 0.0;
    double count = 0.0;
    for (Index i = 0; i < size; ++i) {
      if (mask & (1u << i)) {
        total += y[i];
        count += 1.0;
      }
    }
    Eigen::RowVectorXd x = Eigen::RowVectorXd::Zero(size);
    bool feasible = true;
    for (Index i = 0; i < size; ++i) {
      if (mask & (1u << i)) {
        x[i] = y[i] + (1.0 - total) / count;
        feasible = feasible && x[i] >= 0.0;
      }
    }
    if (feasible && (x - y).norm() < best_distance) {
      best_distance = (x - y).norm();
      best = x;
    }
  }
  return best;
}

enum class Method { mdpo, smdpo, ppg, pmd_euclidean };

// The policies pi_0 ... pi_iterations of a method with a step from initial logits z_0.
std::vector<Dense> reference_run(const Mdp& mdp, Method method, const Dense& initial_logits,
                                 double eta, bool geometric, int iterations, int inner_steps = 0,
                                 double inner_step_size = 0.0) {
  const Reference m(mdp);
  std::vector<Dense> policies;
  Dense z = initial_logits;
  Dense policy = softmax(initial_logits);
  for (int t = 0; t <= iterations; ++t) {
    policies.push_back(policy);
    const Exact e = evaluate(m, policy);
    const double eta_t = geometric ? eta * std::pow(m.gamma, -t) : eta;
    switch (method) {
      case Method::mdpo:
      case Method::smdpo: {
        Dense theta = z;
        for (int k = 0; k < inner_steps; ++k) {
          theta += inner_step_size * (method == Method::mdpo ? mdpo_gradient(theta, z, e, eta_t)
                                                             : smdpo_gradient(theta, z, e, eta_t));
        }
        z = theta;
        policy = softmax(z);
        break;
      }
      case Method::ppg:
      case Method::pmd_euclidean:
        for (Index s = 0; s < m.states; ++s) {
          const double weight =
              method == Method::ppg ? eta_t * e.visitation[s] / (1.0 - m.gamma) : eta_t;
          policy.row(s) = projection_by_search(policy.row(s) + weight * e.q.row(s));
        }
        break;
    }
  }
  return policies;
}

// ---------------------------------------------------------------------------------------------
// Running the library.

// Keeps every iterate's policy and reported step size.
struct Steps final : IterationCallback {
  std::vector<double> step_sizes;
  CallbackAction on_iteration(const IterationSummary& summary) override {
    step_sizes.push_back(summary.step.step_size);
    return CallbackAction::proceed;
  }
};

struct Run {
  OptimizerResult result;
  Trace trace;
  Steps steps;
};

Run run(const Mdp& mdp, const OptimalSolution& optimal, UpdateRule& rule,
        const StateActionMatrix& initial_logits, int iterations) {
  Run out;
  out.trace.keep_policies = true;
  std::vector<IterationCallback*> callbacks{&out.trace, &out.steps};
  out.result =
      optimize(mdp, optimal, rule, initial_logits, {.max_iterations = iterations}, callbacks);
  return out;
}

double max_difference(const StateActionMatrix& a, const Dense& b) {
  return (Dense(a) - b).cwiseAbs().maxCoeff();
}

std::unique_ptr<UpdateRule> make_rule(Method method, double eta, bool geometric, int inner_steps,
                                      double inner_step_size) {
  switch (method) {
    case Method::mdpo:
      return std::make_unique<Mdpo>(MdpoOptions{.step_size = eta,
                                                .geometric = geometric,
                                                .inner_steps = inner_steps,
                                                .inner_step_size = inner_step_size});
    case Method::smdpo:
      return std::make_unique<Smdpo>(SmdpoOptions{.step_size = eta,
                                                  .geometric = geometric,
                                                  .inner_steps = inner_steps,
                                                  .inner_step_size = inner_step_size});
    case Method::ppg:
      return std::make_unique<Ppg>(PpgOptions{.step_size = eta, .geometric = geometric});
    case Method::pmd_euclidean:
      return std::make_unique<PmdEuclidean>(
          PmdEuclideanOptions{.step_size = eta, .geometric = geometric});
  }
  return nullptr;
}

struct Case {
  Method method;
  double eta;
  bool geometric;
  int inner_steps = 0;
  double inner_step_size = 0.0;
};

// The library's run against the reference, every iterate, from uniform and from random logits.
void compare_with_reference(const Case& c, int iterations) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const Mdp mdp = random_mdp(6, 4, 0.9, seed);
    const OptimalSolution optimal = solve_optimal(mdp);
    for (const bool random_start : {false, true}) {
      const StateActionMatrix logits =
          random_start ? random_logits(6, 4, seed + 100, 2.0) : uniform_logits(6, 4);
      const auto rule = make_rule(c.method, c.eta, c.geometric, c.inner_steps, c.inner_step_size);
      const Run library = run(mdp, optimal, *rule, logits, iterations);
      const std::vector<Dense> expected = reference_run(
          mdp, c.method, logits, c.eta, c.geometric, iterations, c.inner_steps, c.inner_step_size);
      CAPTURE(rule->name());
      CAPTURE(seed);
      CAPTURE(random_start);
      REQUIRE(library.result.status == RunStatus::max_iterations);
      REQUIRE(library.trace.policies.size() == expected.size());
      double worst = 0.0;
      for (std::size_t t = 0; t < expected.size(); ++t) {
        worst = std::max(worst, max_difference(library.trace.policies[t], expected[t]));
        const double eta_t = c.geometric ? c.eta * std::pow(0.9, -static_cast<double>(t)) : c.eta;
        CHECK(library.steps.step_sizes[t] == doctest::Approx(eta_t).epsilon(1e-14));
      }
      CHECK(worst <= 1e-10);
      // The run moved: the comparison is not between two copies of pi_0.
      CHECK(max_difference(library.trace.policies.back(), expected.front()) > 1e-3);
    }
  }
}

// Every row a distribution (entries >= 0, sums 1 to rounding).
bool on_simplex(const StateActionMatrix& policy) {
  return policy.minCoeff() >= 0.0 &&
         (policy.rowwise().sum().array() - 1.0).abs().maxCoeff() <= 1e-14;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// mdpo and smdpo

TEST_CASE("mdpo matches the dense reference iterate by iterate") {
  compare_with_reference({Method::mdpo, 1.0, false, 5, 2.0}, 30);
  compare_with_reference({Method::mdpo, 0.3, false, 1, 0.5}, 30);
  compare_with_reference({Method::mdpo, 0.5, true, 10, 1.0}, 25);  // eta_t = eta 0.9^(-t)
}

TEST_CASE("smdpo matches the dense reference iterate by iterate") {
  compare_with_reference({Method::smdpo, 0.05, false, 10, 2.0}, 30);
  // 1 + eta A < 0 somewhere: SPMA's closed form is undefined, the inner steps are not.
  compare_with_reference({Method::smdpo, 20.0, false, 3, 0.5}, 30);
  compare_with_reference({Method::smdpo, 0.05, true, 4, 1.0}, 25);
}

TEST_CASE("the mdpo and smdpo inner gradients are those of L_t (central differences)") {
  const Mdp mdp = random_mdp(5, 3, 0.8, 21);
  const Reference m(mdp);
  PolicyEvaluator evaluator(mdp);
  const OptimalSolution unsolved;
  const StateActionMatrix z = random_logits(5, 3, 4, 1.5);
  Evaluation evaluation;
  evaluator.evaluate_logits(z, evaluation);
  const Exact e = evaluate(m, softmax(z));
  const double eta = 0.7;
  const double alpha = 0.3;
  const StepContext context{
      .iteration = 0, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator};

  for (const Method method : {Method::mdpo, Method::smdpo}) {
    const auto surrogate = [&](const Dense& theta) {
      return method == Method::mdpo ? mdpo_surrogate(theta, z, e, eta)
                                    : smdpo_surrogate(theta, z, e, eta);
    };
    // The library's gradient at theta^0 = z and at theta^1: (theta^{k+1} - theta^k) / alpha.
    StateActionMatrix first(5, 3), second(5, 3);
    double lost = -1.0;  // the inner_lost column
    make_rule(method, eta, false, 1, alpha)->step(context, evaluation, z, first, {&lost, 1});
    CHECK(lost == 0.0);
    make_rule(method, eta, false, 2, alpha)->step(context, evaluation, z, second, {&lost, 1});
    CHECK(lost == 0.0);
    const std::vector<std::pair<Dense, Dense>> points = {
        {Dense(z), Dense(first - z) / alpha}, {Dense(first), Dense(second - first) / alpha}};
    for (const auto& [theta, library_gradient] : points) {
      Dense numerical(5, 3);
      const double h = 1e-5;
      for (Index s = 0; s < 5; ++s) {
        for (Index a = 0; a < 3; ++a) {
          Dense plus = theta, minus = theta;
          plus(s, a) += h;
          minus(s, a) -= h;
          numerical(s, a) = (surrogate(plus) - surrogate(minus)) / (2.0 * h);
        }
      }
      const Dense formula = method == Method::mdpo ? mdpo_gradient(theta, z, e, eta)
                                                   : smdpo_gradient(theta, z, e, eta);
      CAPTURE(static_cast<int>(method));
      // Not a vanishing test: the gradient is of order 0.01 .. 0.1.
      CHECK(numerical.cwiseAbs().maxCoeff() > 1e-2);
      CHECK((formula - numerical).cwiseAbs().maxCoeff() <= 1e-9);
      CHECK((library_gradient - numerical).cwiseAbs().maxCoeff() <= 1e-9);
    }
  }
}

TEST_CASE("mdpo with many inner steps approaches NPG's update z + eta A") {
  const Mdp mdp = random_mdp(5, 3, 0.5, 7);
  PolicyEvaluator evaluator(mdp);
  const OptimalSolution unsolved;
  const StateActionMatrix z = random_logits(5, 3, 9, 0.5);
  Evaluation evaluation;
  evaluator.evaluate_logits(z, evaluation);
  const StepContext context{
      .iteration = 0, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator};
  const double eta = 1.0;
  const StateActionMatrix npg = z + eta * evaluation.advantage;
  StateActionMatrix npg_policy;
  softmax_rows(npg, npg_policy);
  double previous = std::numeric_limits<double>::infinity();
  for (const int m : {10, 100, 1000, 50000}) {
    StateActionMatrix next(5, 3), next_policy;
    double lost = -1.0;
    Mdpo(MdpoOptions{.step_size = eta, .inner_steps = m, .inner_step_size = 1.0})
        .step(context, evaluation, z, next, {&lost, 1});
    CHECK(lost == 0.0);
    softmax_rows(next, next_policy);
    const double gap = (next_policy - npg_policy).cwiseAbs().maxCoeff();
    CAPTURE(m);
    CHECK((gap < previous || gap <= 1e-15));  // decreasing, until rounding
    previous = gap;
    if (m == 50000) {
      CHECK(gap <= 1e-12);
      // In logits the two differ by one constant per state: the inner steps keep each row's sum.
      StateActionMatrix difference = next - npg;
      difference.colwise() -= Vector(difference.rowwise().mean());
      CHECK(difference.cwiseAbs().maxCoeff() <= 1e-11);
    }
  }
  CHECK(previous <= 1e-12);
}

TEST_CASE("smdpo with many inner steps equals SPMA's update pi (1 + eta A)") {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const Mdp mdp = random_mdp(5, 3, 0.5, seed);
    PolicyEvaluator evaluator(mdp);
    const OptimalSolution unsolved;
    const StateActionMatrix z = random_logits(5, 3, seed + 30, 0.5);
    Evaluation evaluation;
    evaluator.evaluate_logits(z, evaluation);
    const StepContext context{
        .iteration = 0, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator};
    const double eta = 0.8 * (1.0 - mdp.gamma()) / mdp.reward_range();  // 1 + eta A > 0
    REQUIRE((1.0 + eta * evaluation.advantage.array()).minCoeff() > 0.0);
    StateActionMatrix next(5, 3), next_policy;
    double lost = -1.0;
    Smdpo(SmdpoOptions{.step_size = eta, .inner_steps = 50000, .inner_step_size = 1.0})
        .step(context, evaluation, z, next, {&lost, 1});
    CHECK(lost == 0.0);
    softmax_rows(next, next_policy);
    const StateActionMatrix spma =
        evaluation.policy.cwiseProduct((1.0 + eta * evaluation.advantage.array()).matrix());
    CAPTURE(seed);
    CHECK((next_policy - spma).cwiseAbs().maxCoeff() <= 1e-13);
    StateActionMatrix difference =
        next - (z.array() + (eta * evaluation.advantage.array()).log1p()).matrix();
    difference.colwise() -= Vector(difference.rowwise().mean());
    CHECK(difference.cwiseAbs().maxCoeff() <= 1e-11);
  }
}

TEST_CASE("mdpo and smdpo count the states whose inner steps lost ground (inner_lost)") {
  // smdpo's L_s is concave with curvature at most d_t[s] / (2 eta) <= 1 / (2 eta): plain steps
  // of alpha < 4 eta ascend in every state, also where 1 + eta A < 0 (eta = 30). None may count.
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const Mdp mdp = random_mdp(6, 3, 0.9, seed);
    const OptimalSolution optimal = solve_optimal(mdp);
    // Up to eta = 1e300 and 1.7e308, where eta A and eta (p + pi) overflow: the check must not
    // call their inf - inf a loss.
    for (const double eta : {0.01, 1.0, 30.0, 1e300, 1.7e308}) {
      CAPTURE(seed);
      CAPTURE(eta);
      // mdpo near pi_t has the same curvature from its KL term: half that step is stable too.
      for (const auto& [method, factor] : {std::pair{Method::smdpo, 3.96}, {Method::mdpo, 2.0}}) {
        CAPTURE(static_cast<int>(method));
        Trace trace;
        const auto rule = make_rule(method, eta, false, 10, std::min(factor * eta, 1e308));
        optimize(mdp, optimal, *rule, random_logits(6, 3, seed, 2.0), {.max_iterations = 30},
                 std::vector<IterationCallback*>{&trace});
        for (const std::vector<double>& row : trace.diagnostics) CHECK(row.at(0) == 0.0);
      }
    }
  }
  // Steps far beyond it: at eta = 1e-300 and alpha = 10, smdpo's first update jumped to a
  // deterministic policy with exit status 0 and nothing said; now every visited state counts.
  const Mdp mdp = random_mdp(6, 3, 0.9, 7);
  const OptimalSolution optimal = solve_optimal(mdp);
  for (const Method method : {Method::smdpo, Method::mdpo}) {
    CAPTURE(static_cast<int>(method));
    const double eta = method == Method::smdpo ? 1e-300 : 0.05;
    Trace trace;
    const auto rule = make_rule(method, eta, false, 20, method == Method::smdpo ? 10.0 : 500.0);
    RunAnalysis analysis(mdp, *rule, {});
    const OptimizerResult result =
        optimize(mdp, optimal, *rule, uniform_logits(6, 3), {.max_iterations = 5},
                 std::vector<IterationCallback*>{&trace, &analysis});
    CHECK(result.status == RunStatus::max_iterations);
    CHECK(trace.diagnostics.at(0).at(0) > 0.0);
    // The totals count the steps taken: the last row's step is computed but not taken.
    double total = 0.0;
    for (std::size_t t = 0; t + 1 < trace.diagnostics.size(); ++t)
      total += trace.diagnostics[t].at(0);
    CHECK(total > 0.0);
    CHECK(analysis.result().inner_lost == total);
    // Said in runs.csv's and the Python summary's message, after the optimizer's own.
    const std::string message = run_message(result, analysis.result());
    CHECK(message.find("the inner steps ended below their start on L_t in " + format_brief(total) +
                       " state update") != std::string::npos);
  }
  // A run of no step: its one row shows the loss of the step it did not take; no total counts it.
  {
    const auto rule = make_rule(Method::smdpo, 1e-300, false, 5, 10.0);
    Trace trace;
    RunAnalysis analysis(mdp, *rule, {});
    DiagnosticTotal lost(rule->diagnostic_names(), "inner_lost");
    optimize(mdp, optimal, *rule, uniform_logits(6, 3), {.max_iterations = 0},
             std::vector<IterationCallback*>{&trace, &analysis, &lost});
    REQUIRE(trace.diagnostics.size() == 1);
    CHECK(trace.diagnostics[0].at(0) > 0.0);
    CHECK(analysis.result().inner_lost == 0.0);
    CHECK(lost.total() == 0.0);
  }
  CHECK(lost_ground_note(0.0).empty());
  CHECK(lost_ground_note(1.0).find("in 1 state update (") != std::string::npos);
  OptimizerResult stopped;
  stopped.message = "stopped";
  RunAnalysisResult both;
  both.inner_unmet = 2;
  both.inner_lost = 3.0;
  const std::string message = run_message(stopped, both);
  CHECK(message.find("stopped; 2 exact projections") == 0);
  CHECK(message.find("; the inner steps ended below their start on L_t in 3 state updates") !=
        std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// ppg and pmd_euclidean

TEST_CASE("ppg matches the dense reference iterate by iterate") {
  compare_with_reference({Method::ppg, 0.1, false}, 30);
  compare_with_reference({Method::ppg, 0.02, true}, 25);
}

TEST_CASE("pmd_euclidean matches the dense reference iterate by iterate") {
  compare_with_reference({Method::pmd_euclidean, 0.05, false}, 30);
  compare_with_reference({Method::pmd_euclidean, 0.01, true}, 25);
}

TEST_CASE("ppg and pmd_euclidean iterates are distributions with exact zeros") {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const Mdp mdp = random_mdp(6, 4, 0.9, seed);
    const OptimalSolution optimal = solve_optimal(mdp);
    for (const Method method : {Method::ppg, Method::pmd_euclidean}) {
      const auto rule = make_rule(method, 0.5, false, 0, 0.0);
      const Run library = run(mdp, optimal, *rule, random_logits(6, 4, seed, 1.0), 60);
      CAPTURE(rule->name());
      CAPTURE(seed);
      int zeros = 0;
      for (const StateActionMatrix& policy : library.trace.policies) {
        CHECK(on_simplex(policy));
        zeros += static_cast<int>((policy.array() == 0.0).count());
      }
      CHECK(zeros > 0);
      // With a large step these runs reach pi* itself, zeros and all.
      const auto large = make_rule(method, 10.0, false, 0, 0.0);
      const Run fast = run(mdp, optimal, *large, random_logits(6, 4, seed, 1.0), 30);
      CHECK(fast.trace.value_errors.back() <= 1e-12 * mdp.value_scale());
      CHECK(fast.result.policy == deterministic_policy(optimal.policy, 4));
    }
  }
}

TEST_CASE("an overflowing geometric step ends the direct and inner-loop methods as non_finite") {
  const Mdp mdp = random_mdp(4, 3, 0.1, 5);  // 0.1^(-t) overflows after t = 308
  const OptimalSolution optimal = solve_optimal(mdp);
  for (const Method method : {Method::mdpo, Method::smdpo, Method::ppg, Method::pmd_euclidean}) {
    const auto rule = make_rule(method, 1.0, true, 2, 0.1);
    const Run library = run(mdp, optimal, *rule, uniform_logits(4, 3), 500);
    CAPTURE(rule->name());
    CHECK(library.result.status == RunStatus::non_finite);
    CHECK(library.result.iterations <= 309);
    CHECK(library.result.iterations > 250);
    if (method == Method::pmd_euclidean) {
      CHECK(library.result.message.find("overflowed") != std::string::npos);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// pi

namespace {

// Policy iteration by the rule of docs/algorithms.md ("pi"), with a dense evaluation.
std::vector<Dense> reference_policy_iteration(const Mdp& mdp, const Dense& initial_logits,
                                              int iterations) {
  const Reference m(mdp);
  std::vector<Dense> policies{softmax(initial_logits)};
  for (int t = 0; t < iterations; ++t) {
    const Dense& policy = policies.back();
    const Exact e = evaluate(m, policy);
    Dense next = Dense::Zero(m.states, m.actions);
    for (Index s = 0; s < m.states; ++s) {
      const double best = e.q.row(s).maxCoeff();
      Index current = -1;
      for (Index a = 0; a < m.actions; ++a) {
        if (policy(s, a) == 1.0) current = a;
      }
      Index chosen = 0;
      while (e.q(s, chosen) != best) ++chosen;
      if (current >= 0 && e.q(s, current) == best) chosen = current;
      next(s, chosen) = 1.0;
    }
    policies.push_back(next);
  }
  return policies;
}

// A random MDP whose actions 1 and 2 are copies of one another: their Q values are always equal,
// bit for bit.
Mdp mdp_with_twin_actions(std::uint64_t seed) {
  const Mdp base = random_mdp(5, 2, 0.9, seed);
  std::vector<TransitionEntry> entries;
  StateActionMatrix rewards(5, 3);
  const Dense p = Dense(base.transitions());
  for (Index s = 0; s < 5; ++s) {
    for (Index a = 0; a < 3; ++a) {
      const Index source = a == 0 ? 0 : 1;
      rewards(s, a) = base.rewards()(s, source);
      for (Index n = 0; n < 5; ++n) entries.push_back({s, a, n, p(s * 2 + source, n)});
    }
  }
  return Mdp({.num_states = 5,
              .num_actions = 3,
              .gamma = 0.9,
              .rho = base.rho(),
              .rewards = rewards,
              .transitions = make_transitions(5, 3, entries)});
}

}  // namespace

TEST_CASE("pi matches the reference policy iteration and reaches pi* within a few steps") {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    const Mdp mdp = random_mdp(7, 4, 0.95, seed, -1.0, 1.0);
    const OptimalSolution optimal = solve_optimal(mdp);
    for (const bool random_start : {false, true}) {
      const StateActionMatrix logits =
          random_start ? random_logits(7, 4, seed, 3.0) : uniform_logits(7, 4);
      PolicyIteration rule;
      const Run library = run(mdp, optimal, rule, logits, 12);
      const std::vector<Dense> expected = reference_policy_iteration(mdp, logits, 12);
      CAPTURE(seed);
      CAPTURE(random_start);
      REQUIRE(library.result.status == RunStatus::max_iterations);
      CHECK(max_difference(library.trace.policies[0], expected[0]) <= 1e-15);
      for (std::size_t t = 1; t < expected.size(); ++t) {
        CHECK(max_difference(library.trace.policies[t], expected[t]) == 0.0);
      }
      // e_t <= gamma^t e_0, and pi* (the optimal solution's actions) within a few iterations.
      const auto& errors = library.trace.value_errors;
      const double slack = 1e-12 * mdp.value_scale();
      for (std::size_t t = 0; t < errors.size(); ++t) {
        CHECK(errors[t] <= std::pow(mdp.gamma(), static_cast<double>(t)) * errors[0] + slack);
      }
      int reached = -1;
      for (std::size_t t = 0; t < library.trace.policies.size() && reached < 0; ++t) {
        if (library.trace.policies[t] == deterministic_policy(optimal.policy, 4)) {
          reached = static_cast<int>(t);
        }
      }
      CHECK(reached >= 0);
      CHECK(reached <= 6);
      CHECK(errors.back() <= slack);
      // No step size: an empty step_size column.
      for (const double step : library.steps.step_sizes) CHECK(std::isnan(step));
    }
  }
}

TEST_CASE("pi breaks ties by the lowest index but keeps a greedy deterministic action") {
  const Mdp mdp = mdp_with_twin_actions(3);
  const OptimalSolution optimal = solve_optimal(mdp);
  // States where the twins (actions 1, 2) are optimal; the test needs some.
  std::vector<Index> twin_states;
  for (Index s = 0; s < 5; ++s) {
    if (optimal.q(s, 1) > optimal.q(s, 0)) twin_states.push_back(s);
  }
  REQUIRE(!twin_states.empty());
  REQUIRE(twin_states.size() < 5);

  // From uniform: never deterministic, so the lowest greedy index, 1, wherever the twins win.
  PolicyIteration from_uniform;
  const Run uniform = run(mdp, optimal, from_uniform, uniform_logits(5, 3), 10);
  CHECK((uniform.result.policy.col(2).array() == 0.0).all());
  for (const Index s : twin_states) CHECK(uniform.result.policy(s, 1) == 1.0);

  // From a start deterministic on action 2 (40 is enough: 1 / (1 + 2 e^-40) rounds to 1 exactly,
  // while the other two probabilities are about 4e-18, not 0), action 2 is kept while greedy.
  StateActionMatrix logits = StateActionMatrix::Zero(5, 3);
  logits.col(2).setConstant(40.0);
  StateActionMatrix start;
  softmax_rows(logits, start);
  REQUIRE((start.col(2).array() == 1.0).all());
  REQUIRE((start.col(0).array() > 0.0).all());
  PolicyIteration from_twin;
  const Run twin = run(mdp, optimal, from_twin, logits, 10);
  CHECK((twin.result.policy.col(1).array() == 0.0).all());
  for (const Index s : twin_states) CHECK(twin.result.policy(s, 2) == 1.0);
  // Both are optimal.
  CHECK(twin.trace.value_errors.back() <= 1e-12 * mdp.value_scale());
  CHECK(uniform.trace.value_errors.back() <= 1e-12 * mdp.value_scale());

  // The reference agrees, row by row.
  const std::vector<Dense> expected = reference_policy_iteration(mdp, Dense(logits), 10);
  for (std::size_t t = 1; t < expected.size(); ++t) {
    CHECK(max_difference(twin.trace.policies[t], expected[t]) == 0.0);
  }
}

// ---------------------------------------------------------------------------------------------
// vi

TEST_CASE("vi matches the reference value iteration, and ||V_t - V*|| <= gamma^t ||V*||") {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const double gamma = seed % 2 == 0 ? 0.9 : 0.6;
    const Mdp mdp = random_mdp(6, 3, gamma, seed, -1.0, 1.0);
    const OptimalSolution optimal = solve_optimal(mdp);
    const Reference m(mdp);
    const int iterations = 40;
    ValueIteration from_uniform, from_random;
    const Run library = run(mdp, optimal, from_uniform, uniform_logits(6, 3), iterations);
    // The initial logits play no part.
    const Run other = run(mdp, optimal, from_random, random_logits(6, 3, seed, 3.0), iterations);
    CAPTURE(seed);
    REQUIRE(library.result.status == RunStatus::max_iterations);

    // V* of the reference: its own value iteration, run to the floor.
    Vector v_star = Vector::Zero(6);
    for (int k = 0; k < 2000; ++k) v_star = m.look_ahead(v_star).rowwise().maxCoeff();
    CHECK((v_star - optimal.v).cwiseAbs().maxCoeff() <= 1e-12 * mdp.value_scale());

    Vector v = Vector::Zero(6);
    const double slack = 1e-12 * mdp.value_scale();
    for (int t = 0; t <= iterations; ++t) {
      const Dense w = m.look_ahead(v);
      Dense greedy = Dense::Zero(6, 3);
      for (Index s = 0; s < 6; ++s) {
        Index best = 0;
        for (Index a = 1; a < 3; ++a) {
          if (w(s, a) > w(s, best)) best = a;
        }
        greedy(s, best) = 1.0;
      }
      const double error = (v - v_star).cwiseAbs().maxCoeff();
      const double reported = library.trace.diagnostics[static_cast<std::size_t>(t)][0];
      CAPTURE(t);
      CHECK(max_difference(library.trace.policies[static_cast<std::size_t>(t)], greedy) == 0.0);
      CHECK(std::abs(reported - error) <= 1e-11 * mdp.value_scale());
      CHECK(reported <= std::pow(gamma, t) * v_star.cwiseAbs().maxCoeff() + slack);
      CHECK(other.trace.policies[static_cast<std::size_t>(t)] ==
            library.trace.policies[static_cast<std::size_t>(t)]);
      CHECK(other.trace.diagnostics[static_cast<std::size_t>(t)] ==
            library.trace.diagnostics[static_cast<std::size_t>(t)]);
      CHECK(std::isnan(library.steps.step_sizes[static_cast<std::size_t>(t)]));
      v = w.rowwise().maxCoeff();
    }
    // The bound is not vacuous: the error does contract.
    CHECK(library.trace.diagnostics.back()[0] < 0.1 * library.trace.diagnostics.front()[0]);
  }
}

TEST_CASE("vi's greedy policies take the lowest index on ties") {
  const Mdp mdp = mdp_with_twin_actions(3);
  const OptimalSolution optimal = solve_optimal(mdp);
  ValueIteration vi;
  const Run library = run(mdp, optimal, vi, uniform_logits(5, 3), 30);
  bool twins_greedy = false;
  for (const StateActionMatrix& policy : library.trace.policies) {
    CHECK((policy.col(2).array() == 0.0).all());  // action 2 always ties with action 1
    twins_greedy = twins_greedy || (policy.col(1).array() == 1.0).any();
  }
  CHECK(twins_greedy);
}

TEST_CASE("vi's steps must follow initialize in order") {
  const Mdp mdp = random_mdp(3, 2, 0.9, 1);
  PolicyEvaluator evaluator(mdp);
  const OptimalSolution unsolved;
  Evaluation evaluation;
  StateActionMatrix policy(3, 2), next(3, 2);
  std::vector<double> diagnostics(1);
  ValueIteration vi;
  const StepContext at_zero{
      .iteration = 0, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator};
  CHECK_THROWS_AS(vi.step(at_zero, evaluation, policy, next, diagnostics), std::logic_error);
  vi.initialize(at_zero, uniform_logits(3, 2), policy);
  CHECK_NOTHROW(vi.step(at_zero, evaluation, policy, next, diagnostics));
  CHECK(std::isnan(diagnostics[0]));  // no V* given
  CHECK_THROWS_AS(vi.step(at_zero, evaluation, policy, next, diagnostics), std::logic_error);
}

// ---------------------------------------------------------------------------------------------
// The registry

TEST_CASE("the registry builds the zoo's direct methods with their parameters") {
  const Mdp mdp = make_five_by_five();
  const auto mdpo = make_algorithm("mdpo(inner_steps=5,inner_step_size=2)", "1", mdp);
  CHECK(dynamic_cast<const Mdpo&>(*mdpo).options().inner_steps == 5);
  CHECK(dynamic_cast<const Mdpo&>(*mdpo).options().inner_step_size == 2.0);
  CHECK(dynamic_cast<const Mdpo&>(*mdpo).options().step_size == 1.0);
  const auto smdpo = make_algorithm("smdpo(inner_step_size=0.5,schedule=geometric)", "0.1", mdp);
  CHECK(dynamic_cast<const Smdpo&>(*smdpo).options().inner_steps == 10);
  CHECK(dynamic_cast<const Smdpo&>(*smdpo).options().geometric);
  CHECK(make_algorithm("ppg", "0.1", mdp)->form() == PolicyForm::probabilities);
  CHECK(make_algorithm("pmd_euclidean", "0.1", mdp)->form() == PolicyForm::probabilities);
  CHECK(make_algorithm("pi", "", mdp)->theory_bound(mdp) == TheoryBound::pi_contraction);
  CHECK(make_algorithm("vi", "", mdp)->theory_bound(mdp) == TheoryBound::vi_contraction);
  CHECK(std::isnan(make_algorithm("pi", "", mdp)->nominal_step_size()));
  CHECK(find_algorithm("vi").diagnostics == std::vector<std::string>{"vi_error_inf"});
  CHECK(make_algorithm("vi", "", mdp)->diagnostic_names() ==
        std::vector<std::string>{"vi_error_inf"});
  for (const char* name : {"pi", "vi"}) {
    const AlgorithmEntry& entry = find_algorithm(name);
    CHECK_FALSE(entry.takes_step_size);
    CHECK(entry.parameters.empty());  // no schedule without a step
  }
  for (const char* name : {"mdpo", "smdpo", "ppg", "pmd_euclidean"}) {
    CHECK(find_algorithm(name).takes_step_size);
    CHECK(find_algorithm(name).parameters.back().name == "schedule");
  }
  CHECK(resolved_algorithm_spec("mdpo(inner_step_size=2)") ==
        "mdpo(inner_step_size=2,inner_steps=10,schedule=constant)");
  CHECK(resolved_algorithm_spec("pi") == "pi");
}

TEST_CASE("the registry refuses bad zoo parameters, naming the key") {
  const Mdp mdp = make_five_by_five();
  CHECK(input_error_of([&] {
          make_algorithm("mdpo(inner_steps=0,inner_step_size=1)", "1", mdp);
        }).find("mdpo.inner_steps: ") == 0);
  CHECK(input_error_of([&] {
          make_algorithm("smdpo(inner_steps=2.5,inner_step_size=1)", "1", mdp);
        }).find("smdpo.inner_steps: ") == 0);
  CHECK(input_error_of([&] { make_algorithm("mdpo", "1", mdp); }) ==
        "mdpo.inner_step_size: required parameter is missing");
  CHECK(input_error_of([&] { make_algorithm("smdpo(inner_steps=3)", "1", mdp); }) ==
        "smdpo.inner_step_size: required parameter is missing");
  CHECK(input_error_of([&] {
          make_algorithm("mdpo(inner_step_size=0)", "1", mdp);
        }).find("mdpo.inner_step_size: ") == 0);
  CHECK(input_error_of([&] {
          make_algorithm("mdpo(inner_step_size=-1)", "1", mdp);
        }).find("mdpo.inner_step_size: ") == 0);
  CHECK(input_error_of([&] { make_algorithm("pi", "0.1", mdp); }) ==
        "step_size: pi takes no step size");
  CHECK(input_error_of([&] { make_algorithm("vi", "0.1", mdp); }) ==
        "step_size: vi takes no step size");
  CHECK(input_error_of([&] {
          make_algorithm("pi(schedule=geometric)", "", mdp);
        }).find("pi.schedule: unknown parameter") == 0);
  CHECK(input_error_of([&] { make_algorithm("ppg", "", mdp); }) ==
        "step_size: ppg needs a step size: a number > 0");
  // As a sweep config is checked, before any run.
  CHECK(input_error_of([] { check_algorithm("vi", "1", false); }) ==
        "step_size: vi takes no step size");
  CHECK(input_error_of([] {
          check_algorithm("mdpo(inner_steps=0)", "1", false);
        }).find("mdpo.inner_steps: ") == 0);
  CHECK_NOTHROW(check_algorithm("pi", "", false));
  CHECK_NOTHROW(check_algorithm("smdpo(inner_step_size=1)", "0.1", false));
  // The options validate themselves too, naming the field.
  CHECK(input_error_of([] {
          Mdpo(MdpoOptions{.step_size = 1.0, .inner_steps = 0, .inner_step_size = 1.0});
        }) == "inner_steps: must be in [1, 100000], got 0");
  CHECK(input_error_of([] {
          Smdpo(SmdpoOptions{.step_size = 1.0, .inner_steps = 1, .inner_step_size = 0.0});
        }) == "inner_step_size: must be > 0 and finite, got 0");
  CHECK(input_error_of([] { Ppg(PpgOptions{.step_size = -1.0}); }) ==
        "step_size: must be > 0 and finite, got -1");
  CHECK(input_error_of([] { PmdEuclidean(PmdEuclideanOptions{}); }) ==
        "step_size: must be > 0 and finite, got 0");
}
