#include "solution_path.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <tabrl/core/parallel.hpp>

namespace tabrl {

namespace {

// The warm start of a slowly moving sequence of policies (docs/engine.md, "Krylov warm start"):
// the solutions y_1, y_2, ... (newest first) of the last policies are extrapolated by the
// polynomial through the last order + 1 of them, y = sum_k c_k y_k with binomial weights
// (order 1: 2 y_1 - y_2; 2: 3 y_1 - 3 y_2 + y_3; order m: c_k = (-1)^(k+1) binomial(m + 1, k)
// for k = 1..m+1). Every entry is computed the same way on any thread, and the weights are
// small integers, so a scaling of the rewards by a power of two scales the guess exactly.
constexpr int kLength = SolutionPath::kLength;
constexpr std::array<std::array<double, kLength>, kLength> extrapolation_weights() {
  std::array<std::array<double, kLength>, kLength> weights{};
  for (int order = 0; order < kLength; ++order) {
    double binomial = 1.0;  // binomial(order + 1, k)
    for (int k = 1; k <= order + 1; ++k) {
      binomial = binomial * (order + 2 - k) / k;
      weights[static_cast<std::size_t>(order)][static_cast<std::size_t>(k - 1)] =
          (k % 2 == 1 ? 1.0 : -1.0) * binomial;
    }
  }
  return weights;
}
constexpr auto kExtrapolation = extrapolation_weights();
static_assert(kExtrapolation[2][0] == 3.0 && kExtrapolation[2][1] == -3.0 &&
              kExtrapolation[2][2] == 1.0);

}  // namespace

namespace {

// Entries [begin, end) of the order-`Order` extrapolation of `past`, entry by entry
// w_1 y_1 + w_2 y_2 + ..., added in this order, into out. The order is a template argument, so
// that each entry's sum stays in a register and the loop over entries is vectorised.
template <int Order>
inline double extrapolated_entry(const double* const* rows, Index i) {
  const auto& weights = kExtrapolation[Order];
  double sum = weights[0] * rows[0][i];
  for (int k = 1; k <= Order; ++k) sum += weights[static_cast<std::size_t>(k)] * rows[k][i];
  return sum;
}

template <int Order>
void extrapolate_range(const std::array<Vector, kLength>& past, Index begin, Index end,
                       double* out) {
  const double* rows[Order + 1];
  for (int k = 0; k <= Order; ++k) rows[k] = past[static_cast<std::size_t>(k)].data();
  for (Index i = begin; i < end; ++i) out[i - begin] = extrapolated_entry<Order>(rows, i);
}

// Calls f.template operator()<Order>() with the Order in [0, kLength) that equals `order`: the
// run-time order as a template argument.
template <class F>
void with_order(int order, const F& f) {
  [&]<int... Orders>(std::integer_sequence<int, Orders...>) {
    ((order == Orders ? (f.template operator()<Orders>(), 0) : 0), ...);
  }
  (std::make_integer_sequence<int, kLength>{});
}

// errors[m] = the largest |solution - extrapolation of order m| over entries [begin, end), for
// the orders m < Orders, in one pass over the entries: each extrapolated entry is the one
// extrapolate_range computes (the same operations in the same order), and a NaN error is passed
// over.
template <int Orders>
void extrapolation_errors(const std::array<Vector, kLength>& past, Index begin, Index end,
                          const double* solution, double* errors) {
  const double* rows[Orders];
  for (int k = 0; k < Orders; ++k) rows[k] = past[static_cast<std::size_t>(k)].data();
  double largest[Orders] = {};
  for (Index i = begin; i < end; ++i) {
    [&]<int... Order>(std::integer_sequence<int, Order...>) {
      const auto keep_larger = [](double& kept, double error) {
        kept = kept < error ? error : kept;
      };
      (keep_larger(largest[Order], std::abs(solution[i] - extrapolated_entry<Order>(rows, i))),
       ...);
    }
    (std::make_integer_sequence<int, Orders>{});
  }
  for (int order = 0; order < Orders; ++order) errors[order] = largest[order];
}

}  // namespace

void SolutionPath::extrapolated(int order, Index begin, Index end, double* out) const {
  with_order(order, [&]<int Order>() { extrapolate_range<Order>(past_, begin, end, out); });
}

double SolutionPath::max_difference(const Vector& a, const Vector* b) {
  const Index n = a.size();
  const Index chunks = (n + kReductionChunk - 1) / kReductionChunk;
  partials_.resize(static_cast<std::size_t>(chunks));
  chunked_for(n, [&](Index begin, Index end) {
    const auto part = a.segment(begin, end - begin);
    partials_[static_cast<std::size_t>(begin / kReductionChunk)] =
        b != nullptr ? (part - b->segment(begin, end - begin)).cwiseAbs().maxCoeff()
                     : part.cwiseAbs().maxCoeff();
  });
  // A maximum does not depend on the order; NaN propagates (and then fails every comparison).
  double largest = 0.0;
  for (const double part : partials_) largest = std::isnan(part) ? part : std::max(largest, part);
  return largest;
}

bool SolutionPath::continues(const Vector& guess) {
  if (count_ == 0) return false;
  // The guess continues the path when it is the path's last solution up to the rounding of a
  // caller's rescaling (the evaluator stores the visitation times 1 - gamma).
  const Vector& last = past_[0];
  if (last.size() != guess.size() ||
      !(max_difference(guess, &last) <= 1e-9 * max_difference(last, nullptr))) {
    count_ = 0;
    return false;
  }
  return true;
}

bool SolutionPath::predict(Vector& out) const {
  if (count_ == 0) return false;
  const Vector& last = past_[0];
  const int order = std::min(order_, count_ - 1);
  if (order == 0) {
    out = last;
    return true;
  }
  out.resize(last.size());
  chunked_for(last.size(),
              [&](Index begin, Index end) { extrapolated(order, begin, end, out.data() + begin); });
  return true;
}

void SolutionPath::extrapolate(Vector& guess) {
  // Order 0 keeps the guess as given (the last solution, to the caller's rounding).
  if (continues(guess) && std::min(order_, count_ - 1) > 0) predict(guess);
}

void SolutionPath::record(const Vector& solution) {
  // The order whose extrapolation lies closest (largest entry error) to the new solution serves
  // the next policy; ties go to the lower order.
  const int orders = std::min(count_, kLength);
  if (orders > 0) {
    const Index n = solution.size();
    const Index chunks = (n + kReductionChunk - 1) / kReductionChunk;
    partials_.assign(static_cast<std::size_t>(chunks * kLength), 0.0);
    chunked_for(n, [&](Index begin, Index end) {
      double* errors = partials_.data() + kLength * (begin / kReductionChunk);
      with_order(orders - 1, [&]<int Highest>() {
        extrapolation_errors<Highest + 1>(past_, begin, end, solution.data(), errors);
      });
    });
    std::array<double, kLength> errors{};
    for (Index chunk = 0; chunk < chunks; ++chunk) {
      for (int order = 0; order < orders; ++order) {
        errors[static_cast<std::size_t>(order)] =
            std::max(errors[static_cast<std::size_t>(order)],
                     partials_[static_cast<std::size_t>(kLength * chunk + order)]);
      }
    }
    order_ = 0;
    for (int order = 1; order < orders; ++order) {
      if (errors[static_cast<std::size_t>(order)] < errors[static_cast<std::size_t>(order_)]) {
        order_ = order;
      }
    }
  }
  // Newest first: the oldest storage is reused for the new solution (all allocated at once).
  for (Vector& past : past_) past.resize(solution.size());
  for (std::size_t k = past_.size() - 1; k > 0; --k) past_[k].swap(past_[k - 1]);
  past_[0] = solution;
  count_ = std::min(count_ + 1, kLength);
}

}  // namespace tabrl
