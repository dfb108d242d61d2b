// The Euclidean projection onto the simplex (core/simplex.hpp): feasibility, the optimality
// (KKT) conditions, idempotence, exact zeros and agreement with a brute-force search over
// supports.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include <tabrl/core/random.hpp>
#include <tabrl/core/simplex.hpp>

using namespace tabrl;

namespace {

Vector projected(const Vector& point) {
  Vector projection(point.size());
  Vector work;
  project_onto_simplex(point, projection, work);
  return projection;
}

// The projection by enumeration: on its support S the nearest point of the simplex is
// y_S + (1 - sum y_S) / |S|; among the supports for which that is non-negative, the nearest wins.
Vector brute_force_projection(const Vector& point) {
  const Index size = point.size();
  Vector best;
  double best_distance = std::numeric_limits<double>::infinity();
  for (unsigned mask = 1; mask < (1u << size); ++mask) {
    double total = 0.0;
    int count = 0;
    for (Index i = 0; i < size; ++i) {
      if (mask & (1u << i)) {
        total += point[i];
        ++count;
      }
    }
    Vector candidate = Vector::Zero(size);
    bool feasible = true;
    for (Index i = 0; i < size; ++i) {
      if (mask & (1u << i)) {
        candidate[i] = point[i] + (1.0 - total) / count;
        feasible = feasible && candidate[i] >= 0.0;
      }
    }
    const double distance = (candidate - point).norm();
    if (feasible && distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

Vector random_point(Random& random, Index size, double scale) {
  Vector point(size);
  for (Index i = 0; i < size; ++i) point[i] = scale * random.normal();
  return point;
}

}  // namespace

TEST_CASE("simplex projection: on the simplex, and the KKT conditions hold") {
  Random random(11);
  for (double scale : {1e-3, 0.1, 1.0, 10.0, 1e6}) {
    for (Index size = 1; size <= 12; ++size) {
      for (int trial = 0; trial < 20; ++trial) {
        const Vector point = random_point(random, size, scale);
        const Vector x = projected(point);
        CAPTURE(scale);
        CAPTURE(size);
        CHECK(x.minCoeff() >= 0.0);
        CHECK(std::abs(x.sum() - 1.0) <=
              8.0 * static_cast<double>(size) * std::numeric_limits<double>::epsilon());
        // x = max(y - tau, 0) for one tau: y - x is tau on the support and y <= tau off it.
        double tau = 0.0;
        int support = 0;
        for (Index i = 0; i < size; ++i) {
          if (x[i] > 0.0) {
            tau += point[i] - x[i];
            ++support;
          }
        }
        REQUIRE(support >= 1);
        tau /= support;
        const double tolerance = 1e-13 * std::max(1.0, point.cwiseAbs().maxCoeff());
        for (Index i = 0; i < size; ++i) {
          if (x[i] > 0.0) {
            CHECK(std::abs(point[i] - x[i] - tau) <= tolerance);
          } else {
            CHECK(point[i] <= tau + tolerance);
          }
        }
      }
    }
  }
}

TEST_CASE("simplex projection matches a brute-force search over supports") {
  Random random(5);
  for (Index size = 1; size <= 6; ++size) {
    for (int trial = 0; trial < 200; ++trial) {
      const Vector point = random_point(random, size, trial % 2 == 0 ? 0.3 : 3.0);
      CAPTURE(size);
      CAPTURE(trial);
      CHECK((projected(point) - brute_force_projection(point)).cwiseAbs().maxCoeff() <= 1e-14);
    }
  }
}

TEST_CASE("simplex projection leaves points of the simplex where they are") {
  Random random(8);
  for (Index size = 1; size <= 10; ++size) {
    for (int trial = 0; trial < 50; ++trial) {
      Vector point(size);
      for (Index i = 0; i < size; ++i) {
        // Some exact zeros, as the direct methods produce.
        point[i] = (trial % 3 == 0 && i % 2 == 1) ? 0.0 : random.exponential();
      }
      point /= point.sum();
      const Vector once = projected(point);
      CHECK((once - point).cwiseAbs().maxCoeff() <= 4.0 * std::numeric_limits<double>::epsilon());
      CHECK((projected(once) - once).cwiseAbs().maxCoeff() <=
            4.0 * std::numeric_limits<double>::epsilon());
      // A normalised point sums to 1 only up to rounding, so its exact projection may add a
      // rounding-sized constant, also to its zeros.
      for (Index i = 0; i < size; ++i) {
        if (point[i] == 0.0) CHECK(once[i] <= 4.0 * std::numeric_limits<double>::epsilon());
      }
    }
  }
}

TEST_CASE("simplex projection: known answers, exact zeros, shifts and aliasing") {
  CHECK(projected(Vector::Constant(1, -7.5))[0] == 1.0);
  const Vector vertex = projected((Vector(3) << 5.0, 0.0, 0.0).finished());
  CHECK(vertex == (Vector(3) << 1.0, 0.0, 0.0).finished());
  const Vector edge = projected((Vector(3) << 1.0, 0.5, -2.0).finished());
  CHECK(edge[0] == doctest::Approx(0.75).epsilon(1e-15));
  CHECK(edge[1] == doctest::Approx(0.25).epsilon(1e-15));
  CHECK(edge[2] == 0.0);
  const Vector centre = projected(Vector::Constant(4, 123.0));
  CHECK((centre.array() == 0.25).all());
  // Adding a constant changes nothing, also far from the simplex.
  Random random(3);
  for (int trial = 0; trial < 50; ++trial) {
    const Vector point = random_point(random, 5, 1.0);
    const Vector far = (point.array() + 1e6).matrix();
    // 1e6 + y rounds y to about 1e-10.
    CHECK((projected(far) - projected(point)).cwiseAbs().maxCoeff() <= 1e-9);
  }
  // In place.
  Vector in_place = (Vector(4) << 0.3, -0.1, 0.9, 0.2).finished();
  const Vector expected = projected(in_place);
  Vector work;
  project_onto_simplex(in_place, in_place, work);
  CHECK(in_place == expected);
  // Non-finite input: a non-finite result, never a sort on NaN.
  Vector bad = (Vector(3) << 0.1, std::numeric_limits<double>::quiet_NaN(), 0.2).finished();
  CHECK_FALSE(projected(bad).allFinite());
  bad[1] = std::numeric_limits<double>::infinity();
  CHECK_FALSE(projected(bad).allFinite());
}
