// Grid MDPs drawn from ASCII maps: FrozenLake (Gymnasium's dynamics) and a general gridworld.
#pragma once

#include <string>
#include <vector>

#include <tabrl/core/mdp.hpp>

namespace tabrl {

// Rows of a map: "4x4" and "8x8" name Gymnasium's maps; otherwise rows separated by '/'.
std::vector<std::string> frozen_lake_map(const std::string& map);

// FrozenLake (docs/theory.md, "Benchmark MDPs"): actions left, down, right, up; slippery: the
// intended direction and the two perpendicular ones, 1/3 each; walls clip; r[s, a] = Pr(entering
// G); H and G absorb with reward 0; rho = the S cell. States are numbered row * columns + column.
Mdp make_frozen_lake(const std::vector<std::string>& rows, bool slippery, double gamma = 0.9);

struct GridworldOptions {
  double slip = 0.0;          // probability of moving in one of the 3 other directions, evenly
  double step_reward = 0.0;   // for every move that does not enter G or T
  double goal_reward = 1.0;   // for entering a G cell
  double trap_reward = -1.0;  // for entering a T cell
  double gamma = 0.9;
};

// Gridworld from ASCII rows. Alphabet: '.' free, '#' wall (not a state), 'S' start (rho is
// uniform over S cells; over every free cell when there is none), 'G' goal and 'T' trap (both
// absorbing with reward 0). Actions up, down, left, right; a move into a wall or off the grid
// stays. State names are "r<row>c<column>".
Mdp make_gridworld(const std::vector<std::string>& rows, const GridworldOptions& options);

// Gymnasium's Taxi-v3 as an MDP: 500 states ((row * 5 + column) * 5 + passenger) * 4 +
// destination, passenger 0-3 = R, G, Y, B and 4 = in the taxi; actions south, north, east, west,
// pickup, dropoff. Every step pays -1, an illegal pickup or dropoff -10, delivering the
// passenger +20; a delivered passenger (passenger == destination) absorbs with reward 0. rho is
// Gymnasium's start distribution: uniform over the 300 states with the passenger waiting at a
// location other than the destination.
Mdp make_taxi(double gamma = 0.9);

// Gymnasium's CliffWalking-v0 (Sutton and Barto's example 6.6) as an MDP: a 4 x 12 grid, states
// row * 12 + column as in Gymnasium, start 36 (bottom left), goal 47 (bottom right), the cliff
// 37..46 between them. Actions up, right, down, left; a move off the grid stays. Every move pays
// -1, except a move into the cliff, which pays -100 and returns to the start. The goal absorbs with
// reward 0 (where Gymnasium ends the episode). rho is a point mass on the start.
Mdp make_cliff_walking(double gamma = 0.9);

// Splits "a/b/c" into rows.
std::vector<std::string> split_map(const std::string& map);

}  // namespace tabrl
