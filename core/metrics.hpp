// Error metrics of an iterate against the optimal values (docs/theory.md, "Exact quantities of a
// policy").
#pragma once

#include <tabrl/core/types.hpp>

namespace tabrl {

// rho^T (V* - V): the difference of vectors first, then the dot product, so that small gaps are
// not lost to cancellation between two large objectives.
double suboptimality(const Eigen::Ref<const Vector>& rho, const Eigen::Ref<const Vector>& v_star,
                     const Eigen::Ref<const Vector>& v);

// max_s (V*[s] - V[s]).
double value_error_inf(const Eigen::Ref<const Vector>& v_star, const Eigen::Ref<const Vector>& v);

}  // namespace tabrl
