#include "state_action_table.hpp"

#include <cmath>
#include <optional>

#include <tabrl/core/csv.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/numbers.hpp>
#include <tabrl/core/text.hpp>

namespace tabrl {
namespace {

// The index of `token` among `names` (when there are names), else as a 0-based index below
// `count`.
std::optional<Index> find_entity(const std::string& token, const std::vector<std::string>& names,
                                 Index count) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == token) return static_cast<Index>(i);
  }
  const std::optional<std::int64_t> index = parse_index(token);
  if (index && *index < count) return static_cast<Index>(*index);
  return std::nullopt;
}

// Both readers: with an MDP, rows by pair (every pair once); without one, the rows in file order,
// their states and actions unresolved. The values are gathered row after row and placed once the
// whole file is read, so a header of many columns allocates nothing before its rows exist.
StateActionTable read_table(
    const std::string& path, const Mdp* mdp,
    const std::function<std::string(const std::vector<std::string>&)>& check_columns,
    double largest) {
  std::string text = read_text_file(path);
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);  // a UTF-8 byte-order mark
  const Index states = mdp != nullptr ? mdp->num_states() : 0;
  const Index actions = mdp != nullptr ? mdp->num_actions() : 0;
  const auto fail = [&](int line, const std::string& field, const std::string& message) {
    throw InputError({.file = path, .line = line, .field = field}, message);
  };

  std::vector<std::string> fields;
  StateActionTable table;
  std::vector<int> seen_at;    // per (s, a): the line that gave it, 0 if none
  std::vector<double> values;  // row after row, in file order
  std::vector<Index> targets;  // with an MDP: each row's s A + a
  bool header = true;
  int line = 0;
  for (std::size_t begin = 0; begin < text.size();) {
    const CsvRecordEnd end = read_csv_record(text, begin, CsvDialect::plain_trimmed, fields);
    begin = end.next;
    ++line;
    if (end.empty || (fields.size() == 1 && fields[0].empty())) continue;
    if (header) {
      header = false;
      if (fields.size() < 3 || fields[0] != "state" || fields[1] != "action") {
        std::string given;
        for (const std::string& field : fields) given += (given.empty() ? "" : ",") + field;
        fail(line, "header", "expected state,action,<values>, got " + quote_token(given));
      }
      table.columns.assign(fields.begin() + 2, fields.end());
      if (const std::string problem = check_columns(table.columns); !problem.empty()) {
        fail(line, "header", problem);
      }
      seen_at.assign(static_cast<std::size_t>(states * actions), 0);
      continue;
    }
    if (fields.size() != table.columns.size() + 2) {
      fail(line, "row",
           "expected " + std::to_string(table.columns.size() + 2) + " fields, got " +
               std::to_string(fields.size()));
    }
    if (mdp == nullptr) {
      if (fields[0].empty()) fail(line, "state", "empty");
      if (fields[1].empty()) fail(line, "action", "empty");
    } else {
      const std::optional<Index> state = find_entity(fields[0], mdp->state_names(), states);
      if (!state) fail(line, "state", "unknown state " + quote_token(fields[0]));
      const std::optional<Index> action = find_entity(fields[1], mdp->action_names(), actions);
      if (!action) fail(line, "action", "unknown action " + quote_token(fields[1]));
      const Index row = *state * actions + *action;
      int& first = seen_at[static_cast<std::size_t>(row)];
      if (first != 0) {
        fail(line, "row",
             "state " + mdp->state_label(*state) + ", action " + mdp->action_label(*action) +
                 " given twice (first at line " + std::to_string(first) + ")");
      }
      first = line;
      targets.push_back(row);
    }
    for (std::size_t k = 0; k < table.columns.size(); ++k) {
      const std::optional<double> value = parse_double(fields[k + 2]);
      const std::string column = printable_token(table.columns[k]);
      if (!value || !std::isfinite(*value)) {
        fail(line, column, "expected a finite number, got " + quote_number(fields[k + 2]));
      }
      if (std::abs(*value) > largest) {
        fail(line, column,
             quote_token(fields[k + 2]) + " is beyond " + format_number(largest) +
                 " in magnitude: products of such values would overflow");
      }
      values.push_back(*value);
    }
  }
  if (header) fail(0, "header", "the file is empty: expected state,action,<values>");
  for (Index row = 0; row < states * actions; ++row) {
    if (seen_at[static_cast<std::size_t>(row)] == 0) {
      fail(0, "row",
           "no row for state " + mdp->state_label(row / actions) + ", action " +
               mdp->action_label(row % actions) + ": every (state, action) pair needs one");
    }
  }
  table.values =
      place_table_rows(values, static_cast<Index>(table.columns.size()), targets, states * actions);
  return table;
}

}  // namespace

StateActionTable read_state_action_table(
    const std::string& path, const Mdp& mdp,
    const std::function<std::string(const std::vector<std::string>&)>& check_columns,
    double largest) {
  return read_table(path, &mdp, check_columns, largest);
}

StateActionTable check_state_action_table(
    const std::string& path,
    const std::function<std::string(const std::vector<std::string>&)>& check_columns,
    double largest) {
  return read_table(path, nullptr, check_columns, largest);
}

Eigen::MatrixXd place_table_rows(const std::vector<double>& values, Index width,
                                 const std::vector<Index>& targets, Index pairs) {
  const Index rows = width > 0 ? static_cast<Index>(values.size()) / width : 0;
  const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
      read(values.data(), rows, width);
  if (targets.empty()) return read;
  Eigen::MatrixXd placed(pairs, width);
  for (Index i = 0; i < rows; ++i) placed.row(targets[static_cast<std::size_t>(i)]) = read.row(i);
  return placed;
}

}  // namespace tabrl
