// The extrapolated warm start of the iterative solvers (docs/engine.md, "Krylov warm start"): the
// solutions of one linear system for the last policies of a slowly moving sequence, newest first,
// and the polynomial extrapolation of them that starts the next policy's solve. Shared by
// BiCGSTAB (core/bicgstab.hpp) and the dense solver's Krylov stage (core/dense_lu.hpp).
#pragma once

#include <array>
#include <vector>

#include <tabrl/core/types.hpp>

namespace tabrl {

class SolutionPath {
 public:
  // Solutions kept (extrapolation orders 0 to kLength - 1).
  static constexpr int kLength = 8;

  // Replaces guess by the extrapolation of the path when guess continues it (it is, to
  // rounding, the path's last solution: within 1e-9 of its largest entry); otherwise forgets the
  // path and leaves guess alone.
  void extrapolate(Vector& guess);
  // The two halves of extrapolate: whether guess continues the path (if not, the path is
  // forgotten), and the extrapolation itself (false, and out untouched, for an empty path).
  bool continues(const Vector& guess);
  bool predict(Vector& out) const;
  // Appends the solution of a new policy, after choosing the order that predicts it best.
  void record(const Vector& solution);
  void forget() { count_ = 0; }
  bool empty() const { return count_ == 0; }

 private:
  // Entries [begin, end) of the order-`order` extrapolation of the path, into out.
  void extrapolated(int order, Index begin, Index end, double* out) const;
  // The largest |a - b| (or |a| when b is null) over [0, n), in fixed chunks.
  double max_difference(const Vector& a, const Vector* b);

  std::array<Vector, kLength> past_;  // newest first
  int count_ = 0;                     // how many entries of past_ hold solutions
  int order_ = 0;  // the order of the next extrapolation (0: the last solution itself)
  std::vector<double> partials_;
};

}  // namespace tabrl
