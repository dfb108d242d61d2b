// The sweep journal: whole records survive, a torn or corrupted tail is ignored. The directory:
// locks per shard, and --restart removing only what tabrl wrote.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <tabrl/core/text.hpp>
#include <tabrl/sweep/atomic_file.hpp>
#include <tabrl/sweep/sweep_config.hpp>
#include <tabrl/sweep/sweep_store.hpp>

#include "helpers.hpp"

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

TEST_CASE("committed runs are found again, and a torn tail and a corrupted record are ignored") {
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
    append << "TABRL-RUN " << config.run_ids[2] << " 500 0123456789abcdef\n"
           << config.run_ids[2] << ",ro";
  }
  {
    SweepStore store(out);
    store.prepare(config, false);
    CHECK(store.is_finished(config.run_ids[0]));
    CHECK(store.is_finished(config.run_ids[1]));
    CHECK_FALSE(store.is_finished(config.run_ids[2]));
    CHECK(store.assemble(config.run_ids, "header", "curves") == 1);
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

TEST_CASE("one process per shard, shards share the directory, and merge waits for all of them") {
  const fs::path root = fs::temp_directory_path() / "tabrl_store_lock_test";
  fs::remove_all(root);
  const SweepConfig config = tiny_config(root);
  const fs::path out = root / "out";
  const std::string pid = "pid " + std::to_string(::getpid()) + " on host ";
  {
    SweepStore first(out);
    first.prepare(config, false, Shard{0, 2});
    // Lock files belong to open files, so a second store in this process is another holder.
    SweepStore again(out);
    const std::string refused = tabrl::testing::input_error_of([&] {
      again.prepare(config, false, Shard{0, 2});
    });
    CHECK(refused.find("shard 0/2 of this sweep is already running here: tabrl sweep shard 0/2, " +
                       pid) != std::string::npos);
    SweepStore other_shard(out);
    CHECK_NOTHROW(other_shard.prepare(config, false, Shard{1, 2}));
    SweepStore merge(out);
    const std::string busy =
        tabrl::testing::input_error_of([&] { merge.lock_exclusively("merge"); });
    CHECK(busy.find("is in use by tabrl sweep shard 0/2, " + pid) != std::string::npos);
    CHECK(busy.find("tabrl sweep shard 1/2, " + pid) != std::string::npos);
  }
  SweepStore merge(out);
  CHECK_NOTHROW(merge.lock_exclusively("merge"));  // the sweeps are gone
  SweepStore late(out);
  CHECK(tabrl::testing::input_error_of([&] {
          late.prepare(config, false, Shard{0, 1});
        }).find("is in use by tabrl merge, " + pid) != std::string::npos);
  fs::remove_all(root);
}

TEST_CASE("--restart removes what the manifest lists, inside the directory only") {
  const fs::path root = fs::temp_directory_path() / "tabrl_store_restart_test";
  fs::remove_all(root);
  const SweepConfig config = tiny_config(root);
  const fs::path out = root / "out";
  {
    SweepStore store(out);
    store.prepare(config, false);
    store.commit(record(config.run_ids[0], 0));
    store.assemble(config.run_ids, "header", "curves");
  }
  record_written(out, {"figures/a.png"}, {"figures"});
  fs::create_directories(out / "figures");
  std::ofstream(out / "figures" / "a.png") << "figure";
  // A temporary of this host whose writer is dead (no pid reaches 999999999), and one of another
  // host, which may be live on a shared file system.
  const std::string stale = "runs.csv.tmp." + this_host() + ".999999999";
  std::ofstream(out / stale) << "torn";
  std::ofstream(out / "runs.csv.tmp.other-host.123") << "another host's";
  std::ofstream(out / "notes.txt") << "mine";
  std::ofstream(out / "runs.csv.bak") << "mine too";
  const std::vector<std::string> removed = remove_written(out);
  CHECK(std::find(removed.begin(), removed.end(), "runs.csv") != removed.end());
  CHECK(std::find(removed.begin(), removed.end(), stale) != removed.end());
  CHECK(fs::exists(out / "runs.csv.tmp.other-host.123"));
  CHECK(std::find(removed.begin(), removed.end(), "figures/a.png") != removed.end());
  CHECK(std::find(removed.begin(), removed.end(), "figures/") != removed.end());
  CHECK(std::find(removed.begin(), removed.end(), "journal/") != removed.end());
  CHECK(fs::exists(out / "manifest.json"));  // replaced by the new one, never left missing
  CHECK(fs::exists(out / "notes.txt"));
  CHECK(fs::exists(out / "runs.csv.bak"));
  CHECK_FALSE(fs::exists(out / "curves.csv"));

  record_written(out, {"../grid.toml"}, {});
  CHECK(tabrl::testing::input_error_of([&] {
          remove_written(out);
        }).find("lists '../grid.toml' as written by tabrl, which is not a path inside") !=
        std::string::npos);
  CHECK(fs::exists(root / "grid.toml"));
  fs::remove_all(root);
}

TEST_CASE("assembly: more journals than open files, a quoted line break, no FIFO read") {
  const fs::path root = fs::temp_directory_path() / "tabrl_store_many";
  fs::remove_all(root);
  fs::create_directories(root);
  // 60 runs in 30 journals, as 30 shards or SLURM tasks leave them: run i in journal i mod 30, so
  // grid order visits the journals in a cycle, more of them than the reader keeps open.
  std::ofstream(root / "grid.toml") << "[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\n"
                                       "name = \"npg\"\nstep_size = { linspace = [1, 60, 60] }\n";
  const SweepConfig config = load_sweep_config((root / "grid.toml").string());
  REQUIRE(config.run_ids.size() == 60);
  const fs::path out = root / "out";
  constexpr int kJournals = 30;
  std::string expected_runs = "header\n", expected_curves = "curves\n";
  for (int journal = 0; journal < kJournals; ++journal) {
    SweepStore store(out);  // a store of its own: a journal of its own
    store.prepare(config, false);
    for (std::size_t i = static_cast<std::size_t>(journal); i < 60; i += kJournals) {
      const std::string& id = config.run_ids[i];
      // An MDP file's name may hold a line break: the runs.csv field is quoted, and the row must
      // not be cut at it.
      const std::string row = i == 0 ? id + ",\"a\nb\"" : id + ",row" + std::to_string(i);
      store.commit({.run_id = id, .runs_row = row, .curve_rows = id + ",0,curve\n"});
    }
  }
  for (std::size_t i = 0; i < 60; ++i) {
    const std::string& id = config.run_ids[i];
    expected_runs += (i == 0 ? id + ",\"a\nb\"" : id + ",row" + std::to_string(i)) + "\n";
    expected_curves += id + ",0,curve\n";
  }
  std::size_t journals = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(out / "journal")) ++journals;
  REQUIRE(journals == kJournals);
  std::size_t open_now = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) ++open_now;
  rlimit saved{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
  rlimit lowered = saved;
  lowered.rlim_cur = open_now + 24;  // fewer than the journals, more than the cache
  REQUIRE(setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  std::size_t missing = 0;
  {
    SweepStore store(out);
    store.prepare(config, false);
    missing = store.assemble(config.run_ids, "header", "curves");
  }
  REQUIRE(setrlimit(RLIMIT_NOFILE, &saved) == 0);
  CHECK(missing == 0);
  CHECK(read_text_file((out / "runs.csv").string()) == expected_runs);
  CHECK(read_text_file((out / "curves.csv").string()) == expected_curves);

  // A FIFO among the journals would block a reader forever: it is refused.
  REQUIRE(::mkfifo((out / "journal" / "stray.log").c_str(), 0644) == 0);
  SweepStore store(out);
  const std::string error = testing::input_error_of([&] { store.prepare(config, false); });
  CHECK(error.find("stray.log: is not a regular file") != std::string::npos);
  fs::remove_all(root);
}
