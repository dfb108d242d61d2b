// GMRES on a dense system A x = b or A^T x = b (A row-major), from a guess, accepted only at the
// normwise backward error a stable direct solve attains: the Krylov stage of the dense solver
// (docs/engine.md, "Dense solver: GMRES, else LU").
#pragma once

#include <tabrl/core/types.hpp>

namespace tabrl {

// Products with A the caller of DenseGmres::solve already has (computed while A was being built,
// when its rows were in the first-level cache): A 1 (A^T 1 when transposed), for the deflation,
// and A x for the x passed in.
struct GmresKnownProducts {
  const Vector* ones_image = nullptr;
  const Vector* guess_image = nullptr;
};

class DenseGmres {
 public:
  struct Result {
    bool converged = false;
    int steps = 0;              // Arnoldi steps (one product with A each)
    int products = 0;           // all products with A, residual checks included
    double backward_error = 0;  // of the last answer checked (or of the guess)
  };

  // Work storage for n unknowns and at most max_steps Arnoldi steps (no restarts).
  DenseGmres(Index n, int max_steps);
  int max_steps() const { return max_steps_; }

  // Solves A x = b (A^T x = b when transposed) starting from x, until
  //   ||b - A x||_inf <= target (norm ||x||_inf + ||b||_inf),
  // with norm = ||A||_inf (||A||_1 when transposed), checked on the true residual. On success x
  // holds the answer (x = 0 when b = 0); otherwise x is left as it came in. The system is solved
  // scaled by the power of two that brings the largest |b| into [1/2, 1). Each step orthogonalises
  // twice against the basis (classical Gram-Schmidt, twice), so the basis stays orthogonal to
  // rounding. With ones_image the start moves along the vector of ones first, by the multiple that
  // minimises the residual: that removes the component of an eigenvalue far from the others
  // when 1 is (nearly) its eigenvector (M 1 = (1 - gamma) 1). A guess_image saves the product
  // of the start's residual; it must be A x computed as the products here compute it (so the
  // result is the same, bit for bit, with or without it).
  Result solve(const Eigen::Ref<const StateActionMatrix>& a, bool transposed, double norm,
               const Vector& b, Vector& x, double target, const GmresKnownProducts& known = {});

 private:
  void multiply(const Eigen::Ref<const StateActionMatrix>& a, bool transposed, const double* in,
                Vector& out) const;

  int max_steps_;
  Eigen::MatrixXd basis_;       // n x (max_steps + 1), orthonormal columns
  Eigen::MatrixXd hessenberg_;  // (max_steps + 1) x max_steps, rotated to upper triangular
  Vector cosines_, sines_, rotated_rhs_, coefficients_, work_, projection_, residual_, trial_,
      start_, scaled_rhs_;
};

}  // namespace tabrl
