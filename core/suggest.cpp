#include "core/suggest.hpp"

#include <algorithm>

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
  std::string best;
  std::size_t best_distance = 3;
  std::string list;
  for (const std::string& candidate : known) {
    const std::size_t distance = edit_distance(key, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
    list += (list.empty() ? "" : ", ") + candidate;
  }
  return (best.empty() ? "" : "did you mean '" + best + "'? ") + "(known: " + list + ")";
}

std::string unknown_name(const std::string& what, const std::string& name,
                         const std::vector<std::string>& known) {
  const std::string hint = suggest(name, known);
  return "unknown " + what + " '" + name + "'" + (hint.front() == '(' ? " " : "; ") + hint;
}

}  // namespace tabrl
