// The sweep journal: whole records survive, a torn or corrupted tail is ignored.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "experiments/sweep_config.hpp"
#include "experiments/sweep_store.hpp"

using namespace tabrl;
namespace fs = std::filesystem;

namespace {

SweepConfig tiny_config(const fs::path& directory) {
  fs::create_directories(directory);
  const fs::path path = directory / "grid.toml";
  std::ofstream(path) << "[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"npg\"\n"
                         "step_size = [1, 2, 3]\n";
  return load_sweep_config(path.string());
}

RunRecord record(const std::string& id, int n) {
  return {.run_id = id,
          .runs_row = id + ",row" + std::to_string(n),
          .curve_rows = id + ",0,curve\n" + id + ",1,curve\n"};
}

fs::path only_journal(const fs::path& directory) {
  for (const auto& entry : fs::directory_iterator(directory / "journal")) return entry.path();
  return {};
}

}  // namespace

TEST_CASE("committed runs are found again; a torn tail and a corrupted record are ignored") {
  const fs::path root = fs::temp_directory_path() / "tabrl_store_test";
  fs::remove_all(root);
  const SweepConfig config = tiny_config(root);
  const fs::path out = root / "out";
  {
    SweepStore store(out);
    store.prepare(config, false);
    store.commit(record(config.run_ids[0], 0));
    store.commit(record(config.run_ids[1], 1));
    CHECK(store.is_finished(config.run_ids[1]));
  }
  const fs::path journal = only_journal(out);
  const auto full_size = fs::file_size(journal);
  {
    // A kill in the middle of the third append.
    std::ofstream append(journal, std::ios::app | std::ios::binary);
    append << "TABRL-RUN " << config.run_ids[2] << " 500 0123456789abcdef\n" << config.run_ids[2] << ",ro";
  }
  {
    SweepStore store(out);
    store.prepare(config, false);
    CHECK(store.is_finished(config.run_ids[0]));
    CHECK(store.is_finished(config.run_ids[1]));
    CHECK_FALSE(store.is_finished(config.run_ids[2]));
    CHECK(store.assemble(config.run_ids, "header") == 1);
  }
  std::ifstream runs(out / "runs.csv");
  std::string header, first, second, extra;
  std::getline(runs, header);
  std::getline(runs, first);
  std::getline(runs, second);
  CHECK(header == "header");
  CHECK(first == config.run_ids[0] + ",row0");
  CHECK(second == config.run_ids[1] + ",row1");
  CHECK_FALSE(std::getline(runs, extra));

  // Flip a byte inside the second record's payload: its digest no longer matches.
  fs::resize_file(journal, full_size);
  {
    std::fstream file(journal, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(full_size - 3));
    file.put('X');
  }
  SweepStore store(out);
  store.prepare(config, false);
  CHECK(store.is_finished(config.run_ids[0]));
  CHECK_FALSE(store.is_finished(config.run_ids[1]));
  fs::remove_all(root);
}
