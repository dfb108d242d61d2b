// Reading the CSV files tabrl writes (experiments/csv_table.hpp): RFC 4180 quoting, a header,
// rows of its width, and errors that name the file and the record's first line.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <tabrl/core/error.hpp>
#include <tabrl/report/csv_table.hpp>

#include "helpers.hpp"

using namespace tabrl;

namespace {

namespace fs = std::filesystem;

// Writes `text` to a file of its own and reads it back as a table.
class CsvFile {
 public:
  explicit CsvFile(const std::string& text) {
    fs::create_directories(directory_);
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~CsvFile() { fs::remove_all(directory_); }
  CsvTable read() const { return read_csv(path_); }
  std::string error() const {
    return testing::input_error_of([&] { read_csv(path_); });
  }
  const std::string& path() const { return path_; }

 private:
  // One directory per process: CTest runs the test cases as parallel processes.
  fs::path directory_ =
      fs::temp_directory_path() / ("tabrl_csv_table_test_" + std::to_string(::getpid()));
  std::string path_ = (directory_ / "runs.csv").string();
};

}  // namespace

TEST_CASE("a table: header, rows, quoted fields, CRLF, columns by name") {
  const CsvFile file(
      "run_id,status,note\r\n"
      "a1,converged,\"eta = 0.1, clipped\"\r\n"
      "a2,failed,\"said \"\"no\"\"\nover two lines\"\r\n"
      "a3,,\n");
  const CsvTable table = file.read();
  CHECK(table.path == file.path());
  CHECK(table.header == std::vector<std::string>{"run_id", "status", "note"});
  REQUIRE(table.rows.size() == 3);
  CHECK(table.rows[0][2] == "eta = 0.1, clipped");
  CHECK(table.rows[1][2] == "said \"no\"\nover two lines");
  CHECK(table.rows[2] == std::vector<std::string>{"a3", "", ""});
  CHECK(table.column("status") == 1);
  CHECK(testing::input_error_of([&] { table.column("step_size"); }) ==
        file.path() + ":1: step_size: column missing");
}

TEST_CASE("a last row without its line break is a file cut short, and a header alone is empty") {
  // tabrl writes every line whole: a missing final line break is a cut file (a full disk, an
  // interrupted copy), refused at its line (this case said the opposite and never ran under
  // ctest: the ';' in its old name split it into two filters matching nothing).
  CHECK(CsvFile("x,y\n1,2")
            .error()
            .find(":2: the last line has no line break: the file was cut "
                  "short") != std::string::npos);
  CHECK(CsvFile("x,y\n1,2\n").read().rows == std::vector<std::vector<std::string>>{{"1", "2"}});
  CHECK(CsvFile("x,y\n").read().rows.empty());
}

TEST_CASE("malformed tables name the file and the line the record starts on") {
  const auto error_of = [](const std::string& text) {
    const CsvFile file(text);
    return file.error().substr(file.path().size());
  };
  // The third record starts on line 4: the quoted field before it spans two lines.
  CHECK(error_of("a,b\n\"x\ny\",1\n1,2,3\n") == ":4: expected 2 fields, found 3");
  CHECK(error_of("a,b\n1,2\n\n") == ":3: expected 2 fields, found 1");  // a blank line
  CHECK(error_of("a,b\n1,\"open\n") == ":2: unterminated quoted field");
  CHECK(error_of("") == ": empty file: no header");
  CHECK(error_of("\r") == ": empty file: no header");
  const std::string missing = (fs::temp_directory_path() / "tabrl_no_such.csv").string();
  CHECK(testing::input_error_of([&] { read_csv(missing); }) == missing + ": no such file");
}
