// Euclidean projection onto the probability simplex (docs/theory.md, "Projection onto the
// simplex"): the direct-parameterisation methods ppg and pmd_euclidean step off the simplex and
// come back through it.
#pragma once

#include <tabrl/core/types.hpp>

namespace tabrl {

// Writes the point of {x : x >= 0, sum x = 1} nearest to `point` in the Euclidean norm into
// `projection` (the same size; it may alias `point`). Exact and sort-based:
// x = max(point + lambda, 0) with lambda chosen so that x sums to 1. Zeros are exact. `work`
// holds the sorted entries; it is resized only when its size differs, so a caller that keeps it
// allocates nothing per call. A non-finite entry gives a non-finite projection.
void project_onto_simplex(const Eigen::Ref<const Vector>& point, Eigen::Ref<Vector> projection,
                          Vector& work);

}  // namespace tabrl
