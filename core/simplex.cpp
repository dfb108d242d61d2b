#include "simplex.hpp"

#include <algorithm>
#include <functional>
#include <limits>

namespace tabrl {

void project_onto_simplex(const Eigen::Ref<const Vector>& point, Eigen::Ref<Vector> projection,
                          Vector& work) {
  const Index size = point.size();
  if (!point.allFinite()) {  // no order to sort by; the caller sees the non-finite result
    projection.setConstant(std::numeric_limits<double>::quiet_NaN());
    return;
  }
  // The projection is unchanged by adding a constant to every entry. Working with the entries
  // minus their maximum keeps every quantity below of order 1 (the entries that survive lie
  // within 1 of the maximum), so a point of size 1e6 loses no more than one of size 1: the
  // subtraction of two nearby large numbers is exact.
  const double shift = point.maxCoeff();
  if (work.size() != size) work.resize(size);
  for (Index i = 0; i < size; ++i) work[i] = point[i] - shift;
  std::sort(work.data(), work.data() + size, std::greater<>());
  // With u sorted decreasing and c_j = u_1 + ... + u_j, the support is the first k entries for
  // the largest k with u_k + (1 - c_k) / k > 0 (j = 1 always qualifies: u_1 = 0), and
  // lambda = (1 - c_k) / k.
  double cumulative = 0.0;
  double lambda = 1.0;
  for (Index j = 0; j < size; ++j) {
    cumulative += work[j];
    const double candidate = (1.0 - cumulative) / static_cast<double>(j + 1);
    if (work[j] + candidate > 0.0) lambda = candidate;
  }
  for (Index i = 0; i < size; ++i) projection[i] = std::max(point[i] - shift + lambda, 0.0);
}

}  // namespace tabrl
