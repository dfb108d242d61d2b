// core/dense_rows on both builds of the vector kernels (docs/engine.md, "Vector kernels"): the
// rows of I - gamma P_pi exactly as the scalar loop computes them, and the row dot products of
// Q = P V to rounding, each row independent of the rows computed with it.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>
#include <vector>

#include <tabrl/core/dense_rows.hpp>

#include "helpers.hpp"

namespace tabrl {
namespace {

TEST_CASE("weighted row differences: the scalar loop's roundings, bit for bit, on both builds") {
  std::mt19937_64 engine(3);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (const SimdLevel level : testing::simd_levels()) {
    for (const Index length : {1, 3, 4, 7, 100, 101}) {
      for (int count = 1; count <= 4; ++count) {
        for (const bool from_zero : {true, false}) {
          // The entry that starts from 1 in a from-zero pass (the diagonal of M): none, the
          // first, one inside, the last.
          const Index unit = std::vector<Index>{-1, 0, length / 2, length - 1}[engine() % 4];
          CAPTURE(to_string(level));
          CAPTURE(length);
          CAPTURE(count);
          CAPTURE(unit);
          std::vector<std::vector<double>> rows(4, std::vector<double>(length));
          for (auto& row : rows)
            for (double& x : row) x = uniform(engine);
          const double weights[4] = {0.3, 0.17, 0.41, 0.09};
          const double* pointers[4] = {rows[0].data(), rows[1].data(), rows[2].data(),
                                       rows[3].data()};
          std::vector<double> start(length);
          for (double& x : start) x = uniform(engine);
          std::vector<double> expected = start, row = start;
          for (Index j = 0; j < length; ++j) {
            // volatile: the reference must be a separate product and difference, never fused.
            volatile double entry = from_zero ? (j == unit ? 1.0 : 0.0) : start[j];
            for (int i = 0; i < count; ++i) {
              volatile double product = weights[i] * pointers[i][j];
              entry = entry - product;
            }
            expected[j] = entry;
          }
          subtract_weighted_rows(count, row.data(), length, weights, pointers, from_zero, unit,
                                 level);
          CHECK(row == expected);
        }
      }
    }
  }
}

TEST_CASE("weighted row differences with the row's sums: the same row, and row_dots' sums") {
  std::mt19937_64 engine(5);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (const SimdLevel level : testing::simd_levels()) {
    for (const Index length : {1, 3, 4, 7, 100, 101}) {
      for (int count = 1; count <= 4; ++count) {
        for (const bool from_zero : {true, false}) {
          for (const bool with_x : {true, false}) {
            CAPTURE(to_string(level));
            CAPTURE(length);
            CAPTURE(count);
            CAPTURE(from_zero);
            CAPTURE(with_x);
            const Index unit = std::vector<Index>{-1, 0, length / 2, length - 1}[engine() % 4];
            CAPTURE(unit);
            std::vector<std::vector<double>> rows(4, std::vector<double>(length));
            for (auto& row : rows)
              for (double& v : row) v = uniform(engine);
            const double weights[4] = {0.3, 0.17, 0.41, 0.09};
            const double* pointers[4] = {rows[0].data(), rows[1].data(), rows[2].data(),
                                         rows[3].data()};
            std::vector<double> start(length), x(length);
            for (double& v : start) v = uniform(engine);
            for (double& v : x) v = uniform(engine);
            std::vector<double> expected = start, row = start;
            subtract_weighted_rows(count, expected.data(), length, weights, pointers, from_zero,
                                   unit, level);
            double sums[2] = {-7.0, -7.0};
            subtract_weighted_rows_summed(count, row.data(), length, weights, pointers, from_zero,
                                          unit, with_x ? x.data() : nullptr, sums, level);
            CHECK(row == expected);
            // The same bits as the row dot products of the finished row.
            const std::vector<double> ones(length, 1.0);
            double dot_ones = 0.0, dot_x = 0.0;
            row_dots(row.data(), 1, length, ones.data(), &dot_ones, level);
            row_dots(row.data(), 1, length, x.data(), &dot_x, level);
            CHECK(sums[0] == dot_ones);
            CHECK(sums[1] == (with_x ? dot_x : 0.0));
            long double plain = 0.0L, weighted = 0.0L, size = 0.0L, weighted_size = 0.0L;
            for (Index j = 0; j < length; ++j) {
              plain += row[j];
              weighted += static_cast<long double>(row[j]) * x[j];
              size += std::abs(row[j]);
              weighted_size += std::abs(row[j] * x[j]);
            }
            const double bound = 4.0 * static_cast<double>(length) * 0x1p-53;
            CHECK(std::abs(sums[0] - static_cast<double>(plain)) <=
                  bound * static_cast<double>(size));
            if (with_x) {
              CHECK(std::abs(sums[1] - static_cast<double>(weighted)) <=
                    bound * static_cast<double>(weighted_size));
            } else {
              CHECK(sums[1] == 0.0);
            }
          }
        }
      }
    }
  }
}

TEST_CASE("row dot products: to rounding, and each row the same whatever rows come with it") {
  for (const SimdLevel level : testing::simd_levels()) {
    for (const Index cols : {1, 5, 8, 9, 100, 131}) {
      CAPTURE(to_string(level));
      CAPTURE(cols);
      const Index rows = 11;
      const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> a =
          Eigen::MatrixXd::Random(rows, cols);
      const Eigen::VectorXd x = Eigen::VectorXd::Random(cols);
      Eigen::VectorXd y(rows);
      row_dots(a.data(), rows, cols, x.data(), y.data(), level);
      const Eigen::VectorXd reference = a * x;
      const double scale = (a.cwiseAbs() * x.cwiseAbs()).maxCoeff();
      CHECK((y - reference).cwiseAbs().maxCoeff() <= 1e-15 * static_cast<double>(cols) * scale);
      // Row i alone, and rows [i, i + 3) together, give the same bits as the whole block.
      for (Index i = 0; i + 3 <= rows; ++i) {
        double alone = 0.0;
        row_dots(a.data() + i * cols, 1, cols, x.data(), &alone, level);
        CHECK(alone == y[i]);
        double three[3];
        row_dots(a.data() + i * cols, 3, cols, x.data(), three, level);
        CHECK(three[0] == y[i]);
        CHECK(three[2] == y[i + 2]);
      }
    }
  }
}

TEST_CASE(
    "row combinations (a^T x): to rounding, each entry the same whatever columns come along") {
  std::mt19937_64 engine(9);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (const SimdLevel level : testing::simd_levels()) {
    for (const Index cols : {1, 3, 4, 31, 32, 33, 64, 100}) {
      for (const Index rows : {1, 5, 100}) {
        CAPTURE(to_string(level));
        CAPTURE(cols);
        CAPTURE(rows);
        // A block of a wider array: rows `stride` apart.
        const Index stride = cols + 3;
        std::vector<double> a(static_cast<std::size_t>(rows * stride)), x(rows);
        for (double& v : a) v = uniform(engine);
        for (double& v : x) v = uniform(engine);
        std::vector<double> y(cols, -7.0);
        row_combination(a.data(), rows, cols, stride, x.data(), y.data(), level);
        for (Index j = 0; j < cols; ++j) {
          long double sum = 0.0L, size = 0.0L;
          for (Index i = 0; i < rows; ++i) {
            sum += static_cast<long double>(x[i]) * a[i * stride + j];
            size += std::abs(x[i] * a[i * stride + j]);
          }
          CHECK(std::abs(y[j] - static_cast<double>(sum)) <=
                2.0 * static_cast<double>(rows) * 0x1p-53 * static_cast<double>(size));
          // Column j alone (then in the scalar part), and from column j on, give the same bits.
          double alone = -7.0;
          row_combination(a.data() + j, rows, 1, stride, x.data(), &alone, level);
          CHECK(alone == y[j]);
          std::vector<double> rest(cols - j, -7.0);
          row_combination(a.data() + j, rows, cols - j, stride, x.data(), rest.data(), level);
          CHECK(rest[0] == y[j]);
        }
      }
    }
  }
}

}  // namespace
}  // namespace tabrl
