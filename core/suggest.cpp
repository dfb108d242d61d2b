#include "suggest.hpp"

#include <algorithm>

#include <tabrl/core/text.hpp>

namespace tabrl {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string suggest(const std::string& key, const std::vector<std::string>& known) {
  // Names come from input files: a huge name must not cost a quadratic distance, and a model
  // with thousands of states must not list them all.
  constexpr std::size_t kMaxCompared = 100;  // longer names get no "did you mean"
  constexpr std::size_t kMaxListed = 20;
  std::string best;
  std::size_t best_distance = 3;
  std::string list;
  for (std::size_t i = 0; i < known.size(); ++i) {
    const std::string& candidate = known[i];
    const std::size_t length_gap = key.size() > candidate.size() ? key.size() - candidate.size()
                                                                 : candidate.size() - key.size();
    // The distance is at least the difference in length.
    if (key.size() <= kMaxCompared && length_gap < best_distance) {
      const std::size_t distance = edit_distance(key, candidate);
      if (distance < best_distance) {
        best_distance = distance;
        best = candidate;
      }
    }
    if (i < kMaxListed) list += (list.empty() ? "" : ", ") + printable_token(candidate);
  }
  if (known.size() > kMaxListed) list += ", ... (" + std::to_string(known.size()) + " in all)";
  return (best.empty() ? "" : "did you mean " + quote_token(best) + "? ") + "(known: " + list + ")";
}

std::string unknown_name(const std::string& what, const std::string& name,
                         const std::vector<std::string>& known) {
  const std::string hint = suggest(name, known);
  return "unknown " + what + " '" + name + "'" + (hint.front() == '(' ? " " : "; ") + hint;
}

}  // namespace tabrl
