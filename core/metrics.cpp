#include "metrics.hpp"

namespace tabrl {

double suboptimality(const Eigen::Ref<const Vector>& rho, const Eigen::Ref<const Vector>& v_star,
                     const Eigen::Ref<const Vector>& v) {
  return rho.dot(v_star - v);
}

double value_error_inf(const Eigen::Ref<const Vector>& v_star, const Eigen::Ref<const Vector>& v) {
  return (v_star - v).maxCoeff();
}

}  // namespace tabrl
