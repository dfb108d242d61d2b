// core/dominant_lu: LU without pivoting of M^T, M = I - gamma P (docs/engine.md, "Dense LU"),
// against Eigen's partial-pivot LU, on both builds of the kernels (portable and AVX/FMA).
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <tabrl/core/dominant_lu.hpp>

#include "helpers.hpp"

namespace tabrl {
namespace {

// M^T for M = I - gamma P with P a random row-stochastic matrix (some rows sparse).
Eigen::MatrixXd random_transposed_system(Eigen::Index n, double gamma, unsigned seed) {
  std::mt19937_64 engine(seed);
  std::exponential_distribution<double> weight(1.0);
  std::bernoulli_distribution keep(0.3);
  Eigen::MatrixXd p = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index s = 0; s < n; ++s) {
    const bool sparse_row = keep(engine);
    for (Eigen::Index t = 0; t < n; ++t)
      if (!sparse_row || keep(engine) || t == s) p(s, t) = weight(engine);
    p.row(s) /= p.row(s).sum();
  }
  return (Eigen::MatrixXd::Identity(n, n) - gamma * p).transpose();
}

double relative_error(const Eigen::VectorXd& x, const Eigen::VectorXd& reference) {
  return (x - reference).norm() / reference.norm();
}

TEST_CASE("LU without pivoting of a column-dominant matrix: factors, multipliers, both solves") {
  for (const SimdLevel level : testing::simd_levels()) {
    for (const Eigen::Index n : {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 64, 100, 131}) {
      for (const double gamma : {0.5, 0.95, 0.999}) {
        CAPTURE(to_string(level));
        CAPTURE(n);
        CAPTURE(gamma);
        const Eigen::MatrixXd a = random_transposed_system(n, gamma, static_cast<unsigned>(n));
        Eigen::MatrixXd factors = a;
        factor_dominant_lu(factors.data(), n, level);
        const Eigen::MatrixXd lower = factors.triangularView<Eigen::UnitLower>();
        const Eigen::MatrixXd upper = factors.triangularView<Eigen::Upper>();
        // L U = A to rounding; column dominance keeps every multiplier within [-1, 1].
        CHECK((lower * upper - a).cwiseAbs().maxCoeff() <= 1e-14 * static_cast<double>(n));
        CHECK(
            factors.triangularView<Eigen::StrictlyLower>().toDenseMatrix().cwiseAbs().maxCoeff() <=
            1.0);

        // Backward stability: the residual is rounding times ||A|| ||x||, and ||x|| is at most
        // ||b|| / (1 - gamma) (M's rows are dominant by a margin 1 - gamma).
        const double residual_bound = 1e-15 * static_cast<double>(n) / (1.0 - gamma);
        const Eigen::PartialPivLU<Eigen::MatrixXd> reference(a);
        const Eigen::VectorXd b = Eigen::VectorXd::LinSpaced(n, 1.0, 2.0);
        Eigen::VectorXd x = b;
        solve_dominant_lu(factors.data(), n, x.data(), level);
        CHECK(relative_error(x, reference.solve(b)) <= 10.0 * residual_bound);
        CHECK((a * x - b).norm() / b.norm() <= residual_bound);
        Eigen::VectorXd y = b;
        solve_dominant_lu_transposed(factors.data(), n, y.data(), level);
        CHECK(relative_error(y, reference.transpose().solve(b)) <= 10.0 * residual_bound);
        CHECK((a.transpose() * y - b).norm() / b.norm() <= residual_bound);

        // Both solves in one sweep give each solve's own result, bit for bit.
        Eigen::VectorXd x_pair = b, y_pair = Eigen::VectorXd::LinSpaced(n, 3.0, -1.0);
        Eigen::VectorXd y_alone = y_pair;
        solve_dominant_lu_transposed(factors.data(), n, y_alone.data(), level);
        solve_dominant_lu_pair(factors.data(), n, x_pair.data(), y_pair.data(), level);
        CHECK((x_pair.array() == x.array()).all());
        CHECK((y_pair.array() == y_alone.array()).all());
      }
    }
  }
}

TEST_CASE("the portable and AVX/FMA kernels agree to rounding") {
  if (!avx_fma_available()) {
    MESSAGE("no AVX/FMA kernels on this build or processor: nothing to compare");
    return;
  }
  for (const Eigen::Index n : {4, 50, 203}) {
    CAPTURE(n);
    const Eigen::MatrixXd a = random_transposed_system(n, 0.9, 7);
    Eigen::MatrixXd portable = a, fused = a;
    factor_dominant_lu(portable.data(), n, SimdLevel::portable);
    factor_dominant_lu(fused.data(), n, SimdLevel::avx_fma);
    CHECK((portable - fused).cwiseAbs().maxCoeff() <= 1e-14);
    Eigen::VectorXd x = Eigen::VectorXd::Ones(n), y = x;
    solve_dominant_lu_transposed(portable.data(), n, x.data(), SimdLevel::portable);
    solve_dominant_lu_transposed(fused.data(), n, y.data(), SimdLevel::avx_fma);
    CHECK(relative_error(y, x) <= 1e-14);
  }
}

TEST_CASE("the kernels' level is the fastest available unless TABRL_SIMD says otherwise") {
  // tests/cli_test.sh covers the variable's values; the suites also run with it set to portable.
  const char* variable = std::getenv("TABRL_SIMD");
  const bool portable = variable != nullptr && std::string(variable) == "portable";
  CHECK(simd_level() ==
        (avx_fma_available() && !portable ? SimdLevel::avx_fma : SimdLevel::portable));
}

}  // namespace
}  // namespace tabrl
