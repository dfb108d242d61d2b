#include "log_linear.hpp"

#include <Eigen/IterativeLinearSolvers>
#include <algorithm>
#include <cmath>
#include <limits>

#include <tabrl/algorithms/feature_spec.hpp>
#include <tabrl/algorithms/inner_steps.hpp>
#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/step_size.hpp>
#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/policy.hpp>

namespace tabrl {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Armijo's sufficient-increase constant of the Newton line search, and its halvings.
constexpr double kArmijo = 1e-4;
constexpr int kMaxHalvings = 60;
// The units of roundoff of the rounding floor of the SPMA projection's gradient (rounding_floor).
constexpr double kFloorFactor = 16.0;
// A solve also ends at rounding when this many Newton steps with a fresh Hessian in a row have
// not halved the smallest gradient seen, while the gradient is within kStallMargin floors
// (docs/theory.md, "The rounding floor").
constexpr int kStallSteps = 5;
constexpr double kStallMargin = 1000.0;

// One term t log(t / p) - t + p of the generalised KL divergence (KL when t and p both sum to
// one), from t and x = log(t / p): t (x + expm1(-x)), with x + e^(-x) - 1 >= 0 by its series
// sum_{n >= 2} (-x)^n / n! where |x| is small (no cancellation), so each term is >= 0.
double kl_term(double t, double x) {
  double excess = 0.0;  // x + expm1(-x)
  if (std::abs(x) < 0.125) {
    double power = x * x / 2.0;
    for (int n = 3; n <= 12 && power != 0.0; ++n) {
      excess += power;
      power *= -x / n;
    }
  } else {
    excess = x + std::expm1(-x);
  }
  return t * std::max(excess, 0.0);
}

std::string supported_list() {
  std::string list;
  for (const std::string& name : log_linear_algorithm_names()) {
    list += (list.empty() ? "" : ", ") + name;
  }
  return list;
}

struct ParsedLogLinear {
  Spec spec;
  StepSize step;
};

ParsedLogLinear parse_log_linear(const std::string& text, const std::string& step_size,
                                 bool bandit) {
  ParsedLogLinear parsed{.spec = parse_spec(text, "algo")};
  const std::vector<ParameterInfo>& parameters = log_linear_parameters(parsed.spec.name);
  const SpecArguments arguments(parsed.spec, parameters);
  arguments.check_values();
  const AlgorithmEntry& entry = find_algorithm(parsed.spec.name);
  parsed.step = parse_step_size(entry, step_size);
  parsed.step.geometric = arguments.text("schedule") == "geometric";
  if (parsed.step.rule == "gap") {
    throw InputError({.field = "step_size"},
                     "the gap-dependent SPMA step is tabular only; with features give a number or "
                     "safe");
  }
  if (parsed.step.geometric && bandit) {
    throw InputError({.field = parsed.spec.name + ".schedule"},
                     "geometric steps eta gamma^(-t) are not defined for bandits (gamma = 0); use "
                     "schedule=constant");
  }
  if (parsed.spec.name == "spma") {
    const int steps = arguments.integer("inner_steps");
    const double alpha = arguments.number("inner_step_size");
    if (steps >= 1 && !(alpha > 0.0)) {
      throw InputError({.field = "spma.inner_step_size"},
                       "must be > 0 with inner_steps >= 1 (the plain inner steps' size alpha), "
                       "got " +
                           format_number(alpha));
    }
    if (steps == 0 && alpha != 0.0) {
      throw InputError({.field = "spma.inner_step_size"},
                       "applies only with inner_steps >= 1 (inner_steps=0 is the exact "
                       "projection)");
    }
  }
  return parsed;
}

}  // namespace

void LogLinearOptions::validate() const {
  validate_step_size(step_size);
  if (method == LogLinearMethod::spma_inner_steps || method == LogLinearMethod::mdpo) {
    validate_inner_steps(inner_steps, inner_step_size);
  }
  if (!(tolerance > 0.0) || max_newton_steps < 1) {
    throw InputError({.field = "tolerance"}, "the Newton tolerance and budget must be positive");
  }
}

LogLinearRule::LogLinearRule(std::shared_ptr<const FeatureMatrix> features,
                             LogLinearOptions options)
    : features_(std::move(features)), options_(options) {
  options_.validate();
  // Feature files are refused at load, naming the file (check_feature_file); arrays here.
  const double largest = features_->largest_magnitude();
  check_feature_scale(largest, {.field = "features"});
  if (largest > 0.0) {
    int exponent = 0;
    std::frexp(largest, &exponent);  // largest = m 2^exponent, m in [0.5, 1)
    feature_scale_ = std::ldexp(1.0, exponent - 1);
  }
  theta_ = Vector::Zero(features_->dim());
  next_theta_ = theta_;
}

std::string LogLinearRule::name() const {
  switch (options_.method) {
    case LogLinearMethod::spma:
    case LogLinearMethod::spma_inner_steps:
      return "spma";
    case LogLinearMethod::mdpo:
      return "mdpo";
    case LogLinearMethod::npg:
      return "npg";
    case LogLinearMethod::spg:
      return "spg";
  }
  return "spma";
}

std::vector<std::string> LogLinearRule::diagnostic_names() const {
  std::vector<std::string> names = {"projection_error", "inner_gradient_norm", "inner_iterations"};
  if (options_.method == LogLinearMethod::npg) names.emplace_back("feature_rank");
  if (options_.method == LogLinearMethod::spma) {
    names.emplace_back("inner_floor");
    names.emplace_back("inner_unmet");
  }
  return names;
}

void LogLinearRule::initialize(const StepContext& context, const StateActionMatrix& initial_logits,
                               StateActionMatrix& parameters) {
  if (features_->states() != context.mdp.num_states() ||
      features_->actions() != context.mdp.num_actions()) {
    throw InputError({.field = "features"},
                     "the features are for " + std::to_string(features_->states()) +
                         " states and " + std::to_string(features_->actions()) +
                         " actions; the MDP has " + std::to_string(context.mdp.num_states()) +
                         " and " + std::to_string(context.mdp.num_actions()));
  }
  if (!(initial_logits.array() == 0.0).all()) {
    throw InputError({.field = "init"},
                     "log-linear policies start from theta = 0 (the uniform policy); an initial "
                     "policy cannot be given with features");
  }
  theta_.setZero(features_->dim());
  next_theta_ = theta_;
  kept_hessian_ = false;
  features_->logits(theta_, parameters);
}

double LogLinearRule::projection_value(const Vector& delta, const Evaluation& evaluation,
                                       double eta) {
  // With u = X delta, pi_theta = pi_t exp(u - c_s), c_s = log sum_a pi_t exp(u): every quantity
  // below is written in u - c_s, so it stays accurate when the step is tiny (the gradient must
  // reach 1e-12 of its value at theta_t). The advantage is the centred one (centred_, see
  // spma_projection).
  const StateActionMatrix& pi = evaluation.policy;
  const Index states = pi.rows();
  const Index actions = pi.cols();
  p_.resize(states, actions);
  log_ratio_.resize(states, actions);
  normaliser_.resize(states);
  const auto fill = [&](Index first, Index end) {
    double value = 0.0;
    for (Index s = first; s < end; ++s) {
      // c_s = log sum_a pi exp(u) and the changes p / pi_t - 1 = exp(u - c_s) - 1. While the
      // logits stay moderate (u <= 50) and the mass does not move onto actions pi_t made
      // unlikely (below > -1/2): below = sum_a pi expm1(u) = exp(c_s) - 1, c_s = log1p(below),
      // and the change is (expm1(u) - below) / (1 + below), one expm1 per pair. Its rounding
      // error, a few units of roundoff times 1 + change = p / pi_t, is within the rounding
      // floor (rounding_floor), and nothing is lost against 1 when the step is small. Else with
      // shift = max u: c_s = shift + log sum_a pi exp(u - shift) and the change expm1(u - c_s).
      const double weight = evaluation.visitation[s];
      const double largest = u_.row(s).maxCoeff();
      double below = 0.0;
      if (largest <= 50.0) {
        for (Index a = 0; a < actions; ++a) {
          g_(s, a) = std::expm1(u_(s, a));  // held in g_ until the change is known
          below += pi(s, a) * g_(s, a);
        }
      }
      double c = 0.0;
      const bool moderate = largest <= 50.0 && below > -0.5;
      if (moderate) {
        c = std::log1p(below);
        const double scale = 1.0 / (1.0 + below);
        for (Index a = 0; a < actions; ++a) g_(s, a) = (g_(s, a) - below) * scale;
      } else {
        double total = 0.0;
        for (Index a = 0; a < actions; ++a) total += pi(s, a) * std::exp(u_(s, a) - largest);
        c = largest + std::log(total);
        for (Index a = 0; a < actions; ++a) g_(s, a) = std::expm1(u_(s, a) - c);
      }
      normaliser_[s] = c;
      double linear = 0.0, mean = 0.0;
      for (Index a = 0; a < actions; ++a) {
        log_ratio_(s, a) = u_(s, a) - c;  // log(p / pi_t)
        const double change = g_(s, a);
        p_(s, a) = pi(s, a) * (1.0 + change);
        g_(s, a) = weight * pi(s, a) * (centred_(s, a) - change / eta);
        linear += pi(s, a) * centred_(s, a) * u_(s, a);
        mean += pi(s, a) * u_(s, a);
      }
      value += weight * (linear + (mean - c) / eta);
    }
    return value;
  };
  return features_->fused_pass(delta, u_, g_, grad_, pass_partials_, fill);
}

double LogLinearRule::rounding_floor(const Evaluation& evaluation, double eta) {
  // The logit gradient d (pi_t (1 + eta A) - p) / eta is, mathematically, a difference of terms
  // of size d pi_t / eta; its inputs (pi_t, which sums to one only to rounding, A_t, p) carry
  // relative rounding errors, so the gradient is defined only to a few units of roundoff times
  //   m = d (pi_t (1 + eta |A_t|) + p) / eta,
  // the sum of the magnitudes of its terms, however accurately it is then evaluated; X^T vec(g)
  // adds the same relative error to the terms |X|^T vec(m) of each component (docs/theory.md,
  // "The exact solve").
  const StateActionMatrix& pi = evaluation.policy;
  const Index states = pi.rows();
  const Index actions = pi.cols();
  magnitude_.resize(states, actions);
  for (Index s = 0; s < states; ++s) {
    const double weight = evaluation.visitation[s] / eta;
    for (Index a = 0; a < actions; ++a) {
      magnitude_(s, a) =
          weight * (pi(s, a) * (1.0 + eta * std::abs(evaluation.advantage(s, a))) + p_(s, a));
    }
  }
  features_->abs_pull_back(magnitude_, floor_terms_);
  return kFloorFactor * std::numeric_limits<double>::epsilon() * floor_terms_.norm();
}

Index LogLinearRule::solve_gram(const StateActionMatrix& p, const Vector& c, double shift,
                                const Vector& rhs, Vector& x) {
  if (features_->dim() <= kDenseGramLimit) {
    features_->weighted_gram(p, c, gram_);
    gram_.diagonal().array() += shift;
    cod_.compute(gram_);
    kept_hessian_ = true;
    x = cod_.solve(rhs);
    return cod_.rank();
  }
  features_->weighted_gram(p, c, sparse_gram_);
  // Conjugate gradients need a definite system: a ridge of 1e-12 of the largest diagonal entry
  // at least. It moves a component of x along an eigenvalue lambda by a factor lambda / (lambda +
  // ridge); such a component changes the logits of pairs whose weight p is about lambda, so the
  // policy moves by about p * ridge / lambda: 1e-12 relative (docs/theory.md).
  double largest = 0.0;
  for (Index j = 0; j < sparse_gram_.outerSize(); ++j)
    largest = std::max(largest, sparse_gram_.coeff(j, j));
  shift = std::max(shift, 1e-12 * largest);
  Eigen::SparseMatrix<double> identity(sparse_gram_.rows(), sparse_gram_.cols());
  identity.setIdentity();
  sparse_gram_ += shift * identity;
  Eigen::ConjugateGradient<Eigen::SparseMatrix<double>, Eigen::Lower | Eigen::Upper> solver;
  // The relative residual a consistent (possibly singular) system reaches before rounding;
  // the iteration cap bounds a solve that cannot get there.
  solver.setTolerance(1e-13);
  solver.setMaxIterations(1000);
  solver.compute(sparse_gram_);
  x = solver.solve(rhs);
  return -1;
}

void LogLinearRule::centre_advantage(const Evaluation& evaluation) {
  const StateActionMatrix& pi = evaluation.policy;
  centred_.resize(pi.rows(), pi.cols());
  centring_.resize(pi.rows());
  for (Index s = 0; s < pi.rows(); ++s) {
    centring_[s] = pi.row(s).dot(evaluation.advantage.row(s));
    centred_.row(s) = evaluation.advantage.row(s).array() - centring_[s];
  }
}

double LogLinearRule::spma_objective(const Evaluation& evaluation, double eta, const Vector& delta,
                                     Vector& gradient) {
  centre_advantage(evaluation);
  const double value = projection_value(delta, evaluation, eta);
  gradient = grad_;
  return value;
}

LogLinearRule::Projection LogLinearRule::spma_projection(const Evaluation& evaluation, double eta,
                                                         const Vector& start) {
  // The advantage centred under pi_t, A' = A - r_s with r_s = sum_a pi_t A: r_s is zero in
  // exact arithmetic, but the evaluation's A = Q - v leaves the residual of the linear solve in
  // it, and with r_s != 0 the targets pi_t (1 + eta A) do not sum to one and part of the
  // gradient (d r_s along the shift of a state's logits, for one-hot features) is out of reach
  // of any step (docs/theory.md, "The exact solve").
  centre_advantage(evaluation);
  Projection result;
  projection_value(Vector::Zero(features_->dim()), evaluation, eta);
  result.initial_norm = grad_.norm();
  const double target = options_.tolerance * result.initial_norm;
  Vector& delta = result.delta;
  delta = start;
  // From theta_t itself (the run's case) the evaluation at 0 above is the start's.
  double value = 0.0;
  if (!(start.array() == 0.0).all()) value = projection_value(delta, evaluation, eta);
  double gradient_norm = grad_.norm();
  weights_ = evaluation.visitation / eta;
  // The Hessian (its decomposition) is kept for the next step while a full step cut the
  // gradient tenfold (a chord step costs two products with X instead of S A k^2 flops), and
  // refreshed otherwise, or when a kept one gives no acceptable step. The first step of a solve
  // uses the last solve's Hessian when there is one (dense Hessians): late in a run pi_t moves
  // little between iterations, and the tenfold test refreshes it when it no longer serves.
  bool refresh = !kept_hessian_;
  // The rounding floor is computed (one product with |X|) when a Newton step with a fresh
  // Hessian converged less than quadratically, the sign that the gradient may be at the level
  // of its rounding errors (after a chord step the Hessian is refreshed first: a chord step
  // slows down long before the floor, and a gradient below the floor can still leave the
  // policy of a rarely visited state far from the optimum).
  bool check_floor = false;
  double best_norm = gradient_norm;
  int stalled = 0;
  while (gradient_norm > target && result.iterations < options_.max_newton_steps) {
    if (check_floor) {
      result.floor = rounding_floor(evaluation, eta);
      if (gradient_norm <= result.floor) {
        result.floor_stop = true;
        break;
      }
    }
    const bool reuse = !refresh && features_->dim() <= kDenseGramLimit;
    if (reuse) {
      direction_ = cod_.solve(grad_);
    } else {
      // Newton: the Hessian of -L_t is sum_s (d_s / eta) Xbar_s^T (diag p - p p^T) Xbar_s,
      // regularised by sigma |grad| I, sigma the features' scale (docs/theory.md, "Log-linear
      // policies"): with features scaled by c, the Hessian scales by c^2 and the gradient by c.
      solve_gram(p_, weights_, feature_scale_ * gradient_norm, grad_, direction_);
      ++result.hessians;
    }
    const double slope = grad_.dot(direction_);
    if (!(slope > 0.0) || !direction_.allFinite()) {
      if (reuse) {
        refresh = true;
        continue;
      }
      break;
    }
    double step = 1.0;
    bool accepted = false;
    const double previous_norm = gradient_norm;
    // A chord step (kept Hessian) is taken only whole and only when it cuts the gradient
    // tenfold without decreasing L_t beyond rounding; else the Hessian is formed afresh at the
    // same point, so that a kept Hessian never leads the solve astray (one evaluation lost).
    const int halvings = reuse ? 0 : kMaxHalvings;
    for (int halving = 0; halving <= halvings; ++halving, step *= 0.5) {
      trial_ = delta + step * direction_;
      const double trial_value = projection_value(trial_, evaluation, eta);
      ++result.evaluations;
      const double trial_norm = grad_.norm();
      const bool kept_value = trial_value >= value - 1e-12 * std::max(1.0, std::abs(value));
      if (reuse) {
        if (trial_norm <= 0.1 * gradient_norm && kept_value) {
          delta.swap(trial_);
          value = trial_value;
          gradient_norm = trial_norm;
          accepted = true;
        }
        break;
      }
      // Armijo's sufficient increase, or (near the optimum, where the increase is below
      // rounding) a halved gradient without a decrease beyond rounding.
      const bool halved = trial_norm <= 0.5 * gradient_norm && kept_value;
      if (trial_value >= value + kArmijo * step * slope || halved) {
        delta.swap(trial_);
        value = trial_value;
        gradient_norm = trial_norm;
        accepted = true;
        break;
      }
    }
    if (!accepted) {
      // Keep delta and restore its p_ and gradient; retry with a fresh Hessian, or stop
      // (stalled at rounding).
      projection_value(delta, evaluation, eta);
      ++result.evaluations;
      gradient_norm = grad_.norm();
      if (reuse) {
        refresh = true;
        continue;
      }
      break;
    }
    ++result.iterations;
    if (!reuse) {
      if (gradient_norm <= 0.5 * best_norm) {
        best_norm = gradient_norm;
        stalled = 0;
      } else if (++stalled >= kStallSteps) {
        result.floor = rounding_floor(evaluation, eta);
        if (gradient_norm <= kStallMargin * result.floor) {
          result.floor_stop = true;
          break;
        }
      }
    }
    const bool quadratic = step == 1.0 && gradient_norm <= 0.1 * previous_norm;
    refresh = !quadratic;
    check_floor = !quadratic && !reuse;
  }
  // A solve that ended otherwise than at its tolerance: was it at the floor?
  if (gradient_norm > target && !result.floor_stop) {
    result.floor = rounding_floor(evaluation, eta);
    result.floor_stop = gradient_norm <= result.floor;
  }
  result.gradient_norm = gradient_norm;
  return result;
}

StepReport LogLinearRule::exact_spma(const StepContext& context, const Evaluation& evaluation,
                                     double eta, std::span<double> diagnostics) {
  const StateActionMatrix& advantage = evaluation.advantage;
  for (Index s = 0; s < advantage.rows(); ++s) {
    for (Index a = 0; a < advantage.cols(); ++a) {
      const double factor = 1.0 + eta * advantage(s, a);
      if (!(factor > 0.0)) {
        // The valid steps of this iteration: eta < 1 / max(-A) over the negative A.
        const double most_negative = -advantage.minCoeff();
        return {.step_size = eta,
                .outcome = StepOutcome::invalid,
                .message = "SPMA step invalid at iteration " + std::to_string(context.iteration) +
                           ": 1 + eta * A = " + format_number(factor) + " <= 0 at state " +
                           context.mdp.state_label(s) + ", action " + context.mdp.action_label(a) +
                           " (eta = " + format_number(eta) +
                           ", A = " + format_number(advantage(s, a)) +
                           "); the exact log-linear projection needs positive targets, i.e. eta "
                           "< 1 / max(-A) = " +
                           format_number(1.0 / most_negative) + " at this iteration"};
      }
    }
  }
  Projection projection = spma_projection(evaluation, eta, Vector::Zero(features_->dim()));
  delta_.swap(projection.delta);
  last_projection_ = projection;
  next_theta_ = theta_ + delta_;
  // projection_error = sum_s d_s KL(target_s || pi_{t+1}[s]), target = pi_t (1 + eta A_t), as
  // a sum of non-negative terms with log(target / p) = log1p(eta A) - log(p / pi_t).
  double error = 0.0;
  for (Index s = 0; s < u_.rows(); ++s) {
    double kl = 0.0;
    for (Index a = 0; a < u_.cols(); ++a) {
      const double pi = evaluation.policy(s, a);
      if (pi == 0.0) continue;
      kl += kl_term(pi * (1.0 + eta * advantage(s, a)),
                    std::log1p(eta * advantage(s, a)) - log_ratio_(s, a));
    }
    error += evaluation.visitation[s] * kl;
  }
  diagnostics[0] = error;
  diagnostics[1] = projection.gradient_norm;
  diagnostics[2] = projection.iterations;
  diagnostics[3] = projection.floor_stop ? projection.floor : kNaN;
  // 1 when the solve ended without meeting its stopping rule (the tolerance, or the rounding
  // floor): the step cap, or no acceptable step far from rounding.
  const bool met = projection.floor_stop ||
                   projection.gradient_norm <= options_.tolerance * projection.initial_norm;
  diagnostics[4] = met ? 0.0 : 1.0;
  return {.step_size = eta};
}

void LogLinearRule::inner_gradient_at_next(const Evaluation& evaluation, double eta) {
  const bool mdpo = options_.method == LogLinearMethod::mdpo;
  const StateActionMatrix& pi = evaluation.policy;
  const StateActionMatrix& advantage = evaluation.advantage;
  const Index states = pi.rows();
  const Index actions = pi.cols();
  g_.resize(states, actions);
  features_->logits(next_theta_, u_);
  softmax_rows(u_, p_);
  for (Index s = 0; s < states; ++s) {
    const double weight = evaluation.visitation[s];
    if (mdpo) {
      // d p ((A - <p, A>) - (log(p / pi_t) - KL(p || pi_t)) / eta), the logs from the logits.
      const double normaliser = log_sum_exp(u_.row(s));
      double mean_advantage = 0.0, kl = 0.0;
      for (Index a = 0; a < actions; ++a) {
        const double log_ratio = u_(s, a) - normaliser - log_policy_(s, a);
        mean_advantage += p_(s, a) * advantage(s, a);
        kl += p_(s, a) * log_ratio;
      }
      for (Index a = 0; a < actions; ++a) {
        const double log_ratio = u_(s, a) - normaliser - log_policy_(s, a);
        g_(s, a) =
            weight * p_(s, a) * ((advantage(s, a) - mean_advantage) - (log_ratio - kl) / eta);
      }
    } else {
      // d (pi_t (1 + eta A) - p) / eta, written (pi_t - p) / eta + pi_t A.
      for (Index a = 0; a < actions; ++a) {
        g_(s, a) = weight * ((pi(s, a) - p_(s, a)) / eta + pi(s, a) * advantage(s, a));
      }
    }
  }
  features_->pull_back(g_, grad_);
}

void LogLinearRule::inner_gradient(const Evaluation& evaluation, const StateActionMatrix& logits,
                                   double eta, const Vector& theta, Vector& gradient) {
  log_policy_.resize(logits.rows(), logits.cols());
  for (Index s = 0; s < logits.rows(); ++s) {
    log_policy_.row(s) = logits.row(s).array() - log_sum_exp(logits.row(s));
  }
  const Vector saved = next_theta_;
  next_theta_ = theta;
  inner_gradient_at_next(evaluation, eta);
  gradient = grad_;
  next_theta_ = saved;
}

void LogLinearRule::inner_steps(const Evaluation& evaluation, const StateActionMatrix& logits,
                                double eta, std::span<double> diagnostics) {
  const StateActionMatrix& pi = evaluation.policy;
  const StateActionMatrix& advantage = evaluation.advantage;
  const Index states = logits.rows();
  const Index actions = logits.cols();
  log_policy_.resize(states, actions);
  for (Index s = 0; s < states; ++s) {
    log_policy_.row(s) = logits.row(s).array() - log_sum_exp(logits.row(s));
  }
  next_theta_ = theta_;  // theta^0 = theta_t
  for (int k = 0; k < options_.inner_steps; ++k) {
    inner_gradient_at_next(evaluation, eta);
    next_theta_ += options_.inner_step_size * grad_;
  }
  inner_gradient_at_next(evaluation, eta);
  diagnostics[1] = grad_.norm();
  diagnostics[2] = options_.inner_steps;
  if (options_.method == LogLinearMethod::mdpo) return;
  // SPMA's projection error KL(target || pi_{t+1}), defined while every target is >= 0.
  double error = 0.0;
  for (Index s = 0; s < states && std::isfinite(error); ++s) {
    const double normaliser = log_sum_exp(u_.row(s));
    double kl = 0.0;
    for (Index a = 0; a < actions; ++a) {
      const double factor = 1.0 + eta * advantage(s, a);
      if (factor < 0.0) {
        error = kNaN;
        break;
      }
      if (pi(s, a) == 0.0) continue;
      if (factor == 0.0) {
        kl += std::exp(u_(s, a) - normaliser);  // t = 0: the term is p
        continue;
      }
      kl += kl_term(pi(s, a) * factor, log_policy_(s, a) + std::log1p(eta * advantage(s, a)) -
                                           (u_(s, a) - normaliser));
    }
    error += evaluation.visitation[s] * kl;
  }
  diagnostics[0] = error;
}

void LogLinearRule::compatible_npg(const Evaluation& evaluation, double eta,
                                   std::span<double> diagnostics) {
  const StateActionMatrix& pi = evaluation.policy;
  const StateActionMatrix& advantage = evaluation.advantage;
  const Index states = pi.rows();
  const Index actions = pi.cols();
  const Index k = features_->dim();
  Index rank = -1;
  if (k <= kDenseGramLimit && static_cast<double>(states * actions) * static_cast<double>(k) <=
                                  static_cast<double>(kDenseDesignLimit)) {
    // min_w |B w - b|^2 with B the weighted centred features, b = sqrt(d pi) A: the rows of
    // the fit itself, so the decomposition sees sqrt(d pi), not d pi (half the condition).
    features_->weighted_design(pi, evaluation.visitation, design_);
    rhs_.resize(states * actions);
    for (Index s = 0; s < states; ++s) {
      for (Index a = 0; a < actions; ++a) {
        rhs_[s * actions + a] =
            std::sqrt(std::max(evaluation.visitation[s] * pi(s, a), 0.0)) * advantage(s, a);
      }
    }
    cod_.compute(design_);
    kept_hessian_ = false;
    direction_ = cod_.solve(rhs_);
    rank = cod_.rank();
  } else {
    // The normal equations F w = sum_s d_s Xbar_s^T diag(pi) A = X^T vec(d pi A).
    g_ = evaluation.advantage.cwiseProduct(pi);
    for (Index s = 0; s < states; ++s) g_.row(s) *= evaluation.visitation[s];
    features_->pull_back(g_, rhs_);
    rank = solve_gram(pi, evaluation.visitation, 0.0, rhs_, direction_);
  }
  // The weighted residual sum_s d sum_a pi (phibar^T w - A)^2.
  features_->logits(direction_, u_);
  double residual = 0.0;
  for (Index s = 0; s < states; ++s) {
    const double mean = pi.row(s).dot(u_.row(s));
    double total = 0.0;
    for (Index a = 0; a < actions; ++a) {
      const double miss = u_(s, a) - mean - advantage(s, a);
      total += pi(s, a) * miss * miss;
    }
    residual += evaluation.visitation[s] * total;
  }
  next_theta_ = theta_ + eta * direction_;
  diagnostics[0] = residual;
  diagnostics[3] = rank >= 0 ? static_cast<double>(rank) : kNaN;
}

StepReport LogLinearRule::step(const StepContext& context, const Evaluation& evaluation,
                               const StateActionMatrix& logits, StateActionMatrix& next_logits,
                               std::span<double> diagnostics) {
  // The loop steps again only from the iterate the last step produced.
  if (context.iteration > 0) theta_.swap(next_theta_);
  const double eta = scheduled_step(options_.step_size, options_.geometric, context.mdp.gamma(),
                                    context.iteration);
  if (!std::isfinite(eta)) return non_finite_step(eta, context.iteration);
  StepReport report{.step_size = eta};
  switch (options_.method) {
    case LogLinearMethod::spma:
      report = exact_spma(context, evaluation, eta, diagnostics);
      if (report.outcome != StepOutcome::ok) return report;
      break;
    case LogLinearMethod::spma_inner_steps:
    case LogLinearMethod::mdpo:
      inner_steps(evaluation, logits, eta, diagnostics);
      break;
    case LogLinearMethod::npg:
      compatible_npg(evaluation, eta, diagnostics);
      break;
    case LogLinearMethod::spg:
      policy_gradient(evaluation, context.mdp.gamma(), g_);
      features_->pull_back(g_, grad_);
      next_theta_ = theta_ + eta * grad_;
      break;
  }
  features_->logits(next_theta_, next_logits);
  return report;
}

const std::vector<std::string>& log_linear_algorithm_names() {
  static const std::vector<std::string> names = {"spma", "npg", "spg", "mdpo"};
  return names;
}

const std::vector<ParameterInfo>& log_linear_parameters(const std::string& name) {
  static const std::vector<ParameterInfo> spma = {
      {"inner_steps",
       "integer",
       "0",
       "0: the exact projection (Newton); m >= 1: m plain gradient steps of size inner_step_size",
       {},
       {.low = 0.0, .high = 100000.0}},
      // No range of its own: the rule (> 0 with inner_steps >= 1, else 0) depends on
      // inner_steps and is checked with it (parse_log_linear).
      {"inner_step_size",
       "number",
       "0",
       "alpha > 0, the step of the inner gradient steps (required with inner_steps >= 1; 0 with "
       "inner_steps = 0)",
       {},
       {}},
      schedule_parameter()};
  static const std::vector<ParameterInfo> mdpo = [] {
    std::vector<ParameterInfo> list = inner_step_parameters();
    list.push_back(schedule_parameter());
    return list;
  }();
  static const std::vector<ParameterInfo> plain = {schedule_parameter()};
  if (name == "spma") return spma;
  if (name == "mdpo") return mdpo;
  if (name == "npg" || name == "spg") return plain;
  find_algorithm(name);  // an unknown name: "did you mean"
  throw InputError({.field = "algo"},
                   name +
                       " does not support features (log-linear policies); the algorithms with "
                       "log-linear policies are " +
                       supported_list());
}

void check_log_linear_algorithm(const std::string& spec, const std::string& step_size,
                                bool bandit) {
  parse_log_linear(spec, step_size, bandit);
}

std::string resolved_log_linear_spec(const std::string& spec) {
  const Spec parsed = parse_spec(spec, "algo");
  const std::vector<ParameterInfo>& parameters = log_linear_parameters(parsed.name);
  const SpecArguments arguments(parsed, parameters);  // refuses unknown keys
  return resolved_spec(parsed, parameters).to_string();
}

std::unique_ptr<UpdateRule> make_log_linear_algorithm(
    const std::string& spec, const std::string& step_size, const Mdp& mdp,
    std::shared_ptr<const FeatureMatrix> features) {
  const ParsedLogLinear parsed = parse_log_linear(spec, step_size, mdp.is_bandit());
  const SpecArguments arguments(parsed.spec, log_linear_parameters(parsed.spec.name));
  if (parsed.step.geometric && !(mdp.gamma() > 0.0)) {
    throw InputError({.field = parsed.spec.name + ".schedule"},
                     "geometric steps eta gamma^(-t) need gamma > 0; this MDP has gamma = " +
                         format_number(mdp.gamma()));
  }
  LogLinearOptions options{.step_size = parsed.step.value, .geometric = parsed.step.geometric};
  const std::string& name = parsed.spec.name;
  if (parsed.step.rule == "safe") options.step_size = safe_step_rule(mdp);
  if (parsed.step.rule == "theory") options.step_size = spg_theory_step(mdp);
  if (name == "spma") {
    options.inner_steps = arguments.integer("inner_steps");
    options.inner_step_size = arguments.number("inner_step_size");
    options.method =
        options.inner_steps == 0 ? LogLinearMethod::spma : LogLinearMethod::spma_inner_steps;
  } else if (name == "mdpo") {
    options.method = LogLinearMethod::mdpo;
    options.inner_steps = arguments.integer("inner_steps");
    options.inner_step_size = arguments.number("inner_step_size");
  } else {
    options.method = name == "npg" ? LogLinearMethod::npg : LogLinearMethod::spg;
  }
  return std::make_unique<LogLinearRule>(std::move(features), options);
}

}  // namespace tabrl
