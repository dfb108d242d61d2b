#include "gridworlds.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/mdps/transitions.hpp>

namespace tabrl {
namespace {

struct Move {
  int row, column;
};

void check_rectangle(const std::vector<std::string>& rows, const std::string& field,
                     const std::string& alphabet) {
  if (rows.empty() || rows.front().empty()) throw InputError({.field = field}, "the map is empty");
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].size() != rows.front().size()) {
      throw InputError({.field = field}, "row " + std::to_string(r) + " has " +
                                             std::to_string(rows[r].size()) + " cells, row 0 has " +
                                             std::to_string(rows.front().size()));
    }
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      if (alphabet.find(rows[r][c]) == std::string::npos) {
        throw InputError({.field = field}, std::string("unknown cell '") + rows[r][c] +
                                               "' at row " + std::to_string(r) + ", column " +
                                               std::to_string(c) + " (alphabet: " + alphabet + ")");
      }
    }
  }
}

}  // namespace

std::vector<std::string> split_map(const std::string& map) {
  std::vector<std::string> rows;
  std::size_t start = 0;
  while (start <= map.size()) {
    const std::size_t slash = std::min(map.find('/', start), map.size());
    rows.push_back(map.substr(start, slash - start));
    start = slash + 1;
  }
  return rows;
}

std::vector<std::string> frozen_lake_map(const std::string& map) {
  if (map == "4x4") return {"SFFF", "FHFH", "FFFH", "HFFG"};
  if (map == "8x8") {
    return {"SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF",
            "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"};
  }
  return split_map(map);
}

Mdp make_frozen_lake(const std::vector<std::string>& rows, bool slippery, double gamma) {
  check_rectangle(rows, "map", "SFHG");
  const int height = static_cast<int>(rows.size());
  const int width = static_cast<int>(rows.front().size());
  const Index num_states = static_cast<Index>(height) * width;
  int starts = 0;
  Index start = 0;
  for (int r = 0; r < height; ++r) {
    for (int c = 0; c < width; ++c) {
      if (rows[r][c] == 'S') {
        ++starts;
        start = static_cast<Index>(r) * width + c;
      }
    }
  }
  if (starts != 1) {
    throw InputError({.field = "map"}, "needs exactly one S cell, found " + std::to_string(starts));
  }
  constexpr Move kMoves[4] = {{0, -1}, {1, 0}, {0, 1}, {-1, 0}};  // left, down, right, up
  std::vector<TransitionEntry> entries;
  StateActionMatrix rewards = StateActionMatrix::Zero(num_states, 4);
  for (int r = 0; r < height; ++r) {
    for (int c = 0; c < width; ++c) {
      const Index s = static_cast<Index>(r) * width + c;
      const char cell = rows[r][c];
      for (int a = 0; a < 4; ++a) {
        if (cell == 'H' || cell == 'G') {
          entries.push_back({s, a, s, 1.0});
          continue;
        }
        std::map<Index, double> next;
        const std::vector<int> directions =
            slippery ? std::vector<int>{(a + 3) % 4, a, (a + 1) % 4} : std::vector<int>{a};
        for (int direction : directions) {
          const int nr = std::clamp(r + kMoves[direction].row, 0, height - 1);
          const int nc = std::clamp(c + kMoves[direction].column, 0, width - 1);
          next[static_cast<Index>(nr) * width + nc] += 1.0 / static_cast<double>(directions.size());
        }
        for (const auto& [n, p] : next) {
          entries.push_back({s, a, n, p});
          if (rows[n / width][n % width] == 'G') rewards(s, a) += p;
        }
      }
    }
  }
  Vector rho = Vector::Zero(num_states);
  rho[start] = 1.0;
  return Mdp({.num_states = num_states,
              .num_actions = 4,
              .gamma = gamma,
              .rho = rho,
              .rewards = rewards,
              .transitions = make_transitions(num_states, 4, entries),
              .action_names = {"left", "down", "right", "up"}});
}

Mdp make_gridworld(const std::vector<std::string>& rows, const GridworldOptions& options) {
  check_rectangle(rows, "map", ".#SGT");
  if (!(options.slip >= 0.0 && options.slip <= 1.0)) {
    throw InputError({.field = "slip"}, "must be in [0, 1], got " + format_number(options.slip));
  }
  const int height = static_cast<int>(rows.size());
  const int width = static_cast<int>(rows.front().size());
  std::vector<std::vector<Index>> index(height, std::vector<Index>(width, -1));
  std::vector<std::string> names;
  std::vector<char> cell_of;  // the map cell of each state
  std::vector<Index> starts;
  for (int r = 0; r < height; ++r) {
    for (int c = 0; c < width; ++c) {
      if (rows[r][c] == '#') continue;
      index[r][c] = static_cast<Index>(names.size());
      cell_of.push_back(rows[r][c]);
      if (rows[r][c] == 'S') starts.push_back(index[r][c]);
      names.push_back("r" + std::to_string(r) + "c" + std::to_string(c));
    }
  }
  const Index num_states = static_cast<Index>(names.size());
  if (num_states == 0) throw InputError({.field = "map"}, "the map has no free cell");
  constexpr Move kMoves[4] = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}};  // up, down, left, right
  std::vector<TransitionEntry> entries;
  StateActionMatrix rewards = StateActionMatrix::Zero(num_states, 4);
  for (int r = 0; r < height; ++r) {
    for (int c = 0; c < width; ++c) {
      const Index s = index[r][c];
      if (s < 0) continue;
      for (int a = 0; a < 4; ++a) {
        if (rows[r][c] == 'G' || rows[r][c] == 'T') {
          entries.push_back({s, a, s, 1.0});
          continue;
        }
        std::map<Index, double> next;
        for (int direction = 0; direction < 4; ++direction) {
          const double p = direction == a ? 1.0 - options.slip : options.slip / 3.0;
          if (p == 0.0) continue;
          const int nr = r + kMoves[direction].row;
          const int nc = c + kMoves[direction].column;
          const bool blocked = nr < 0 || nr >= height || nc < 0 || nc >= width || index[nr][nc] < 0;
          next[blocked ? s : index[nr][nc]] += p;
        }
        // Entering G or T pays its reward; every other move (staying included) the step reward.
        double reward = 0.0;
        for (const auto& [n, p] : next) {
          entries.push_back({s, a, n, p});
          const char cell = cell_of[static_cast<std::size_t>(n)];
          reward += p * (cell == 'G'   ? options.goal_reward
                         : cell == 'T' ? options.trap_reward
                                       : options.step_reward);
        }
        rewards(s, a) = reward;
      }
    }
  }
  Vector rho = Vector::Zero(num_states);
  if (starts.empty()) {
    rho.setConstant(1.0 / static_cast<double>(num_states));
  } else {
    for (Index s : starts) rho[s] = 1.0 / static_cast<double>(starts.size());
  }
  return Mdp({.num_states = num_states,
              .num_actions = 4,
              .gamma = options.gamma,
              .rho = rho,
              .rewards = rewards,
              .transitions = make_transitions(num_states, 4, entries),
              .state_names = names,
              .action_names = {"up", "down", "left", "right"}});
}

Mdp make_cliff_walking(double gamma) {
  constexpr Index kRows = 4;
  constexpr Index kColumns = 12;
  constexpr Index kStates = kRows * kColumns;
  constexpr Index kActions = 4;
  constexpr Index kStart = (kRows - 1) * kColumns;     // 36
  constexpr Index kGoal = kStates - 1;                 // 47
  constexpr Index kRowStep[kActions] = {-1, 0, 1, 0};  // up, right, down, left
  constexpr Index kColumnStep[kActions] = {0, 1, 0, -1};
  const auto in_cliff = [&](Index row, Index column) {
    return row == kRows - 1 && column > 0 && column < kColumns - 1;
  };
  std::vector<TransitionEntry> entries;
  StateActionMatrix rewards = StateActionMatrix::Zero(kStates, kActions);
  for (Index s = 0; s < kStates; ++s) {
    for (Index a = 0; a < kActions; ++a) {
      if (s == kGoal) {
        entries.push_back({s, a, s, 1.0});
        continue;
      }
      // The cliff cells are states too, as in Gymnasium (reached only by a start elsewhere).
      const Index row = std::clamp<Index>(s / kColumns + kRowStep[a], 0, kRows - 1);
      const Index column = std::clamp<Index>(s % kColumns + kColumnStep[a], 0, kColumns - 1);
      if (in_cliff(row, column)) {
        entries.push_back({s, a, kStart, 1.0});
        rewards(s, a) = -100.0;
      } else {
        entries.push_back({s, a, row * kColumns + column, 1.0});
        rewards(s, a) = -1.0;
      }
    }
  }
  Vector rho = Vector::Zero(kStates);
  rho[kStart] = 1.0;
  return Mdp({.num_states = kStates,
              .num_actions = kActions,
              .gamma = gamma,
              .rho = rho,
              .rewards = rewards,
              .transitions = make_transitions(kStates, kActions, entries),
              .action_names = {"up", "right", "down", "left"}});
}

Mdp make_taxi(double gamma) {
  // Gymnasium's map; walls are the '|' between cells.
  const std::vector<std::string> map = {"+---------+", "|R: | : :G|", "| : | : : |", "| : : : : |",
                                        "| | : | : |", "|Y| : |B: |", "+---------+"};
  const int locations[4][2] = {{0, 0}, {0, 4}, {4, 0}, {4, 3}};  // R, G, Y, B
  const auto encode = [](int row, int column, int passenger, int destination) {
    return static_cast<Index>(((row * 5 + column) * 5 + passenger) * 4 + destination);
  };
  constexpr Index kStates = 500;
  constexpr Index kActions = 6;
  std::vector<TransitionEntry> entries;
  StateActionMatrix rewards = StateActionMatrix::Zero(kStates, kActions);
  Vector rho = Vector::Zero(kStates);
  for (int row = 0; row < 5; ++row) {
    for (int column = 0; column < 5; ++column) {
      for (int passenger = 0; passenger < 5; ++passenger) {
        for (int destination = 0; destination < 4; ++destination) {
          const Index s = encode(row, column, passenger, destination);
          if (passenger < 4 && passenger != destination) rho[s] = 1.0 / 300.0;
          for (Index action = 0; action < kActions; ++action) {
            if (passenger == destination) {  // delivered: absorbing
              entries.push_back({s, action, s, 1.0});
              continue;
            }
            int next_row = row, next_column = column, next_passenger = passenger;
            double reward = -1.0;
            const int taxi_location = [&] {
              for (int k = 0; k < 4; ++k) {
                if (locations[k][0] == row && locations[k][1] == column) return k;
              }
              return -1;
            }();
            switch (action) {
              case 0:
                next_row = std::min(row + 1, 4);
                break;
              case 1:
                next_row = std::max(row - 1, 0);
                break;
              case 2:
                if (map[static_cast<std::size_t>(row + 1)]
                       [static_cast<std::size_t>(2 * column + 2)] == ':') {
                  next_column = std::min(column + 1, 4);
                }
                break;
              case 3:
                if (map[static_cast<std::size_t>(row + 1)][static_cast<std::size_t>(2 * column)] ==
                    ':') {
                  next_column = std::max(column - 1, 0);
                }
                break;
              case 4:  // pickup
                if (passenger < 4 && taxi_location == passenger) {
                  next_passenger = 4;
                } else {
                  reward = -10.0;
                }
                break;
              default:  // dropoff
                if (passenger == 4 && taxi_location == destination) {
                  next_passenger = destination;
                  reward = 20.0;
                } else if (passenger == 4 && taxi_location >= 0) {
                  next_passenger = taxi_location;
                } else {
                  reward = -10.0;
                }
            }
            entries.push_back(
                {s, action, encode(next_row, next_column, next_passenger, destination), 1.0});
            rewards(s, action) = reward;
          }
        }
      }
    }
  }
  return Mdp({.num_states = kStates,
              .num_actions = kActions,
              .gamma = gamma,
              .rho = rho,
              .rewards = rewards,
              .transitions = make_transitions(kStates, kActions, entries),
              .action_names = {"south", "north", "east", "west", "pickup", "dropoff"}});
}

}  // namespace tabrl
