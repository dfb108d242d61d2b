// Log-linear policies pi_theta[s, a] ∝ exp(phi(s, a)^T theta), theta_0 = 0 (docs/theory.md,
// "Log-linear policies"; docs/algorithms.md, "Log-linear policies"). Each iteration evaluates
// pi_theta exactly, like every tabular method, and then updates theta by its method:
//
//   spma                      theta_{t+1} = argmax_theta L_t(theta),
//                             L_t = (1/eta) sum_s d_t sum_a pi_t (1 + eta A_t) log pi_theta,
//                             by Newton's method with a rank-revealing solve and a backtracking
//                             line search, until |grad L_t| <= 1e-12 |grad L_t(theta_t)|
//   spma(inner_steps=m,       m plain gradient steps of size alpha on the same L_t from theta_t
//        inner_step_size=alpha)
//   mdpo(inner_steps=m,       m plain gradient steps on MDPO's L_t from theta_t
//        inner_step_size=alpha)
//   npg                       theta += eta w_t, w_t the weighted least-squares fit of A_t by the
//                             centred features (compatible function approximation)
//   spg                       theta += eta X^T vec(dJ/dz)
//
// The loop's parameters are the logits z = X theta; the rule keeps theta itself, which the
// optimizer returns (OptimizerResult::theta).
#pragma once

#include <Eigen/QR>
#include <Eigen/SparseCore>
#include <memory>
#include <string>
#include <vector>

#include <tabrl/algorithms/update_rule.hpp>
#include <tabrl/core/features.hpp>
#include <tabrl/core/spec.hpp>

namespace tabrl {

enum class LogLinearMethod { spma, spma_inner_steps, mdpo, npg, spg };

struct LogLinearOptions {
  LogLinearMethod method = LogLinearMethod::spma;
  double step_size = 0.0;  // eta
  bool geometric = false;  // eta_t = eta gamma^(-t)
  int inner_steps = 0;     // m (spma_inner_steps, mdpo)
  double inner_step_size = 0.0;
  // Exact SPMA: the relative gradient tolerance and the Newton step budget.
  double tolerance = 1e-12;
  int max_newton_steps = 100;

  void validate() const;  // throws InputError naming the field
};

class LogLinearRule final : public UpdateRule {
 public:
  LogLinearRule(std::shared_ptr<const FeatureMatrix> features, LogLinearOptions options);
  std::string name() const override;
  double nominal_step_size() const override { return options_.step_size; }
  // projection_error, inner_gradient_norm, inner_iterations; npg also feature_rank.
  std::vector<std::string> diagnostic_names() const override;
  // theta_0 = 0; the initial logits must be those of the uniform policy.
  void initialize(const StepContext& context, const StateActionMatrix& initial_logits,
                  StateActionMatrix& parameters) override;
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& logits, StateActionMatrix& next_logits,
                  std::span<double> diagnostics) override;
  const Vector* feature_weights() const override { return &theta_; }
  const FeatureMatrix& features() const { return *features_; }
  const LogLinearOptions& options() const { return options_; }

  // The SPMA projection of the policy `evaluation` describes (pi_t = evaluation.policy, theta_t
  // its parameters): L_t(theta_t + delta) - L_t(theta_t), and its gradient in theta (A_t centred
  // under pi_t, the same function in exact arithmetic: spma_projection).
  double spma_objective(const Evaluation& evaluation, double eta, const Vector& delta,
                        Vector& gradient);
  struct Projection {
    Vector delta;                // theta_{t+1} - theta_t
    double gradient_norm = 0.0;  // |grad L_t| at theta_t + delta
    double initial_norm = 0.0;   // |grad L_t| at theta_t
    int iterations = 0;          // Newton steps
    int hessians = 0;            // Hessians formed and decomposed
    int evaluations = 0;         // objective and gradient evaluations after the first
    double floor = 0.0;          // the rounding floor of |grad L_t| last computed (0: none)
    bool floor_stop = false;     // the floor, not the tolerance, ended the solve
  };
  // Newton's method on L_t from theta_t + start until |grad L_t| <= tolerance |grad L_t(theta_t)|
  // or |grad L_t| <= its rounding floor (docs/theory.md, "The exact solve").
  Projection spma_projection(const Evaluation& evaluation, double eta, const Vector& start);
  // Exact SPMA: the last step's projection (its delta emptied; the benchmark reports the rest).
  const Projection& last_projection() const { return last_projection_; }
  // The gradient in theta of the inner objective of spma(inner_steps) or mdpo at theta, for the
  // iterate with logits z_t = `logits`.
  void inner_gradient(const Evaluation& evaluation, const StateActionMatrix& logits, double eta,
                      const Vector& theta, Vector& gradient);

 private:
  // The SPMA projection at theta_t + delta: fills p_ and the theta-gradient grad_; returns
  // L_t(theta_t + delta) - L_t(theta_t).
  double projection_value(const Vector& delta, const Evaluation& evaluation, double eta);
  // centred_ = A - r_s, centring_ = r_s = sum_a pi_t A (zero in exact arithmetic).
  void centre_advantage(const Evaluation& evaluation);
  // The rounding floor of the gradient projection_value computed last: 16 units of roundoff
  // times |(|X|^T vec(m))|_2, m the magnitudes of the terms of each logit gradient entry.
  double rounding_floor(const Evaluation& evaluation, double eta);
  // The inner objective's gradient at next_theta_ into grad_ (u_ = X next_theta_, p_ = softmax).
  void inner_gradient_at_next(const Evaluation& evaluation, double eta);
  // Solves (gram + shift I) x = rhs, gram = weighted_gram(p, c): the minimum-norm solution by a
  // complete orthogonal decomposition for k <= kDenseGramLimit (returns the rank), else
  // conjugate gradients (returns -1).
  Index solve_gram(const StateActionMatrix& p, const Vector& c, double shift, const Vector& rhs,
                   Vector& x);
  StepReport exact_spma(const StepContext& context, const Evaluation& evaluation, double eta,
                        std::span<double> diagnostics);
  void inner_steps(const Evaluation& evaluation, const StateActionMatrix& logits, double eta,
                   std::span<double> diagnostics);
  void compatible_npg(const Evaluation& evaluation, double eta, std::span<double> diagnostics);

  std::shared_ptr<const FeatureMatrix> features_;
  // The power of two at or below the largest |feature| (1 for features all 0): the Newton
  // regularisation is |grad| times it, which makes the exact projection's steps the same for
  // features scaled by any power of two (theta scaled inversely).
  double feature_scale_ = 1.0;
  LogLinearOptions options_;
  Vector theta_;       // of the iterate being stepped from
  Vector next_theta_;  // of the next iterate
  // Work buffers, kept between iterations.
  StateActionMatrix u_, p_, g_, log_policy_, log_ratio_, centred_, magnitude_;
  Vector grad_, delta_, trial_, direction_, rhs_, weights_, normaliser_, centring_, floor_terms_;
  Eigen::MatrixXd gram_, design_;
  std::vector<double> pass_partials_;  // FeatureMatrix::fused_pass's chunk sums
  Eigen::SparseMatrix<double> sparse_gram_;
  Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> cod_;
  Projection last_projection_;
  bool kept_hessian_ = false;  // cod_ holds a dense Hessian of an earlier solve
};

// The algorithms that take features, in the order `tabrl list` shows them: spma, npg, spg, mdpo.
const std::vector<std::string>& log_linear_algorithm_names();

// The parameters of a log-linear algorithm (with schedule); InputError (field "algo") naming
// the algorithms that support features for any other name.
const std::vector<ParameterInfo>& log_linear_parameters(const std::string& name);

// Checks a log-linear algorithm spec and step size without building anything (sweep configs).
void check_log_linear_algorithm(const std::string& spec, const std::string& step_size, bool bandit);

// `spec` with every parameter of its log-linear algorithm, defaults included, canonical order.
std::string resolved_log_linear_spec(const std::string& spec);

// Builds the log-linear rule of `spec` with `step_size` and `features` for `mdp`.
std::unique_ptr<UpdateRule> make_log_linear_algorithm(
    const std::string& spec, const std::string& step_size, const Mdp& mdp,
    std::shared_ptr<const FeatureMatrix> features);

}  // namespace tabrl
