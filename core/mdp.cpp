#include "mdp.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/parallel.hpp>

namespace tabrl {
namespace {

std::string quoted_label(const std::vector<std::string>& names, Index index) {
  if (names.empty()) return std::to_string(index);
  return "'" + names[static_cast<std::size_t>(index)] + "' (" + std::to_string(index) + ")";
}

void check_names(const std::vector<std::string>& names, Index count, const char* what) {
  if (names.empty()) return;
  const std::string field = std::string(what) + "_names";
  if (static_cast<Index>(names.size()) != count) {
    throw InputError({.field = field}, "expected " + std::to_string(count) + " names, got " +
                                           std::to_string(names.size()));
  }
  for (const auto& name : names) {
    if (name.empty()) throw InputError({.field = field}, "empty name");
  }
  // Duplicates by sorting the names' indices (4 bytes per name; a set of copies of 1e7 names
  // took seconds and 800 MB). The error names the first name whose second occurrence comes
  // first, as a scan in order would: the second index of each group of equal names, stably
  // sorted.
  std::vector<int> order(names.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  const auto name_of = [&](int i) -> std::string_view {
    return names[static_cast<std::size_t>(i)];
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return name_of(a) < name_of(b); });
  int first_repeat = -1;
  for (std::size_t k = 1; k < order.size(); ++k) {
    if (name_of(order[k]) != name_of(order[k - 1])) continue;
    if (k >= 2 && name_of(order[k - 2]) == name_of(order[k])) continue;  // not the group's second
    if (first_repeat < 0 || order[k] < first_repeat) first_repeat = order[k];
  }
  if (first_repeat >= 0) {
    throw InputError({.field = field},
                     "duplicate name '" + names[static_cast<std::size_t>(first_repeat)] + "'");
  }
}

}  // namespace

bool within_rounding(double sum, Index terms) {
  return std::abs(sum - 1.0) <=
         std::numeric_limits<double>::epsilon() * static_cast<double>(terms + 1);
}

KernelStorage parse_kernel_storage(const std::string& text) {
  if (const auto storage = enum_from_name(text, kKernelStorageNames)) return *storage;
  throw InputError({.field = "kernel"},
                   "expected " + enum_choices(kKernelStorageNames) + ", got '" + text + "'");
}

KernelStorage kernel_storage_for(Index rows, Index cols, Index nonzeros) {
  const double dense_bytes = 8.0 * static_cast<double>(rows) * static_cast<double>(cols);
  const double sparse_bytes =
      12.0 * static_cast<double>(nonzeros) + 4.0 * static_cast<double>(rows + 1);
  return dense_bytes <= 1.5 * sparse_bytes ? KernelStorage::dense : KernelStorage::sparse;
}

Mdp::Mdp(MdpParts parts, const MdpValidationOptions& options)
    : num_states_(parts.num_states),
      num_actions_(parts.num_actions),
      gamma_(parts.gamma),
      rho_(std::move(parts.rho)),
      rewards_(std::move(parts.rewards)),
      transitions_(std::move(parts.transitions)),
      state_names_(std::move(parts.state_names)),
      action_names_(std::move(parts.action_names)) {
  const double tolerance = options.row_sum_tolerance;
  if (!(tolerance >= 0.0) || !std::isfinite(tolerance)) {
    throw InputError({.field = "row_sum_tolerance"},
                     "must be finite and >= 0, got " + format_number(tolerance));
  }
  if (num_states_ < 1) {
    throw InputError({.field = "states"},
                     "an MDP needs at least one state, got " + std::to_string(num_states_));
  }
  if (num_actions_ < 1) {
    throw InputError({.field = "actions"},
                     "an MDP needs at least one action, got " + std::to_string(num_actions_));
  }
  check_names(state_names_, num_states_, "state");
  check_names(action_names_, num_actions_, "action");
  if (!std::isfinite(gamma_) || gamma_ < 0.0 || gamma_ >= 1.0) {
    throw InputError({.field = "gamma"},
                     "discount must be in [0, 1), got " + format_number(gamma_));
  }
  // Values reach R/(1 - gamma): with 1 - gamma below 1e-12 a double keeps fewer than four
  // significant digits of a value error (docs/theory.md, "Value scale").
  if (1.0 - gamma_ < kMinOneMinusGamma) {
    throw InputError({.field = "gamma"}, "discount " + format_double(gamma_) +
                                             " is within 1e-12 of 1: values up to " +
                                             "R/(1-gamma) cannot be resolved in double precision");
  }

  if (rho_.size() != num_states_) {
    throw InputError({.field = "start"}, "expected " + std::to_string(num_states_) +
                                             " start probabilities, got " +
                                             std::to_string(rho_.size()));
  }
  for (Index s = 0; s < num_states_; ++s) {
    if (!std::isfinite(rho_[s]) || rho_[s] < 0.0) {
      throw InputError({.field = "start"}, "probability of state " + state_label(s) +
                                               " must be finite and >= 0, got " +
                                               format_number(rho_[s]));
    }
  }
  const double rho_sum = rho_.sum();
  if (std::abs(rho_sum - 1.0) > tolerance) {
    throw InputError({.field = "start"},
                     "start probabilities sum to " + format_number(rho_sum) + ", not 1");
  }
  max_row_sum_deviation_ = std::abs(rho_sum - 1.0);
  if (!within_rounding(rho_sum, rho_.size())) rho_ /= rho_sum;

  if (rewards_.rows() != num_states_ || rewards_.cols() != num_actions_) {
    throw InputError({.field = "rewards"}, "expected a " + std::to_string(num_states_) + " x " +
                                               std::to_string(num_actions_) + " table, got " +
                                               std::to_string(rewards_.rows()) + " x " +
                                               std::to_string(rewards_.cols()));
  }
  for (Index s = 0; s < num_states_; ++s) {
    for (Index a = 0; a < num_actions_; ++a) {
      if (!std::isfinite(rewards_(s, a))) {
        throw InputError({.field = "rewards"},
                         "reward of state " + state_label(s) + ", action " + action_label(a) +
                             " is not finite: " + format_number(rewards_(s, a)));
      }
    }
  }

  if (transitions_.rows() != num_states_ * num_actions_ || transitions_.cols() != num_states_) {
    throw InputError({.field = "transitions"},
                     "expected " + std::to_string(num_states_ * num_actions_) + " x " +
                         std::to_string(num_states_) + " (one row per state-action pair), got " +
                         std::to_string(transitions_.rows()) + " x " +
                         std::to_string(transitions_.cols()));
  }
  reward_range_ = rewards_.maxCoeff() - rewards_.minCoeff();
  const double max_abs_reward = rewards_.cwiseAbs().maxCoeff();
  reward_scale_ = reward_range_ > 0.0 ? reward_range_ : max_abs_reward > 0.0 ? max_abs_reward : 1.0;
  value_scale_ = reward_scale_ / (1.0 - gamma_);
  if (!(max_abs_reward / (1.0 - gamma_) <= kMaxValueMagnitude)) {
    throw InputError({.field = "rewards"},
                     "rewards up to " + format_number(max_abs_reward) + " with discount " +
                         format_number(gamma_) + " give values beyond " +
                         format_number(kMaxValueMagnitude) + ", out of double range");
  }
  transitions_.prune(0.0);
  transitions_.makeCompressed();
  for (Index s = 0; s < num_states_; ++s) {
    for (Index a = 0; a < num_actions_; ++a) {
      const Index row = transition_row(s, a);
      double row_sum = 0.0;
      for (TransitionMatrix::InnerIterator it(transitions_, row); it; ++it) {
        if (!std::isfinite(it.value()) || it.value() < 0.0) {
          throw InputError({.field = "transitions"},
                           "P(" + state_label(it.col()) + " | state " + state_label(s) +
                               ", action " + action_label(a) + ") must be finite and >= 0, got " +
                               format_number(it.value()));
        }
        row_sum += it.value();
      }
      if (std::abs(row_sum - 1.0) > tolerance) {
        throw InputError({.field = "transitions"},
                         "transition row (state " + state_label(s) + ", action " + action_label(a) +
                             ") sums to " + format_number(row_sum) + ", not 1");
      }
      max_row_sum_deviation_ = std::max(max_row_sum_deviation_, std::abs(row_sum - 1.0));
      if (within_rounding(row_sum, transitions_.row(row).nonZeros())) continue;
      for (TransitionMatrix::InnerIterator it(transitions_, row); it; ++it) {
        it.valueRef() /= row_sum;
      }
    }
  }
  kernel_storage_ =
      options.kernel != KernelStorage::automatic
          ? options.kernel
          : kernel_storage_for(transitions_.rows(), transitions_.cols(), transitions_.nonZeros());
  if (kernel_storage_ == KernelStorage::dense) {
    // The validated values, copied exactly: both forms hold the same numbers.
    dense_transitions_.set_zero(transitions_.rows(), transitions_.cols());
    for (Index row = 0; row < transitions_.rows(); ++row) {
      for (TransitionMatrix::InnerIterator it(transitions_, row); it; ++it) {
        dense_transitions_(row, it.col()) = it.value();
      }
    }
  }
}

void Mdp::apply_transitions(const Vector& v, double* out) const {
  if (kernel_storage_ == KernelStorage::dense) {
    dense_row_dots(dense_transitions_.view(), v.data(), out);
  } else {
    gather_product(transitions_, v.data(), out);
  }
}

std::string Mdp::state_label(Index state) const { return quoted_label(state_names_, state); }

std::string Mdp::action_label(Index action) const { return quoted_label(action_names_, action); }

MdpParts Mdp::parts() const {
  return {.num_states = num_states_,
          .num_actions = num_actions_,
          .gamma = gamma_,
          .rho = rho_,
          .rewards = rewards_,
          .transitions = transitions_,
          .state_names = state_names_,
          .action_names = action_names_};
}

}  // namespace tabrl
