// The output directory of a sweep (DESIGN.md): runs.csv, curves.csv and manifest.json, built
// from journals of finished runs under journal/. Each process appends to a journal of its own
// (journal/<host>-<pid>-<nonce>.log); every finished run is one record written with a single
// append: a header "TABRL-RUN <run id> <bytes> <digest>" and the payload (its runs.csv row, then
// its curves.csv rows). A record cut short by a kill fails its length or digest check and is
// ignored, so the run is simply done again. runs.csv and curves.csv are rebuilt atomically, in
// grid order, from the valid records.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "experiments/sweep_config.hpp"
#include "experiments/sweep_run.hpp"

namespace tabrl {

class SweepStore {
 public:
  explicit SweepStore(std::filesystem::path directory);
  ~SweepStore();
  SweepStore(const SweepStore&) = delete;
  SweepStore& operator=(const SweepStore&) = delete;

  // Creates the directory and its manifest, or checks that an existing one was made by the same
  // config, then reads the journals. With `restart`, a directory made by another config is
  // emptied first. Throws InputError when the directory belongs to another config (or is not a
  // sweep directory).
  void prepare(const SweepConfig& config, bool restart);

  // Reads the journals of an existing directory (for merge).
  void load();

  bool is_finished(const std::string& run_id) const { return finished_.count(run_id) != 0; }

  // Appends one run to this process's journal; safe to call from several threads.
  void commit(const RunRecord& record);

  // Rebuilds runs.csv and curves.csv from the journals for `run_ids`, in that order, and returns
  // how many of them are missing.
  // `rescan`: read the journals first (skip it right after load()).
  std::size_t assemble(const std::vector<std::string>& run_ids, const std::string& runs_header,
                       bool rescan = true);

  // Records the end of an invocation in the manifest.
  void finish_manifest(std::size_t finished_runs, std::size_t missing_runs) const;

  const std::filesystem::path& directory() const { return directory_; }

 private:
  struct Location {
    std::size_t file = 0;       // index into journals_
    std::uint64_t offset = 0;   // of the payload
    std::uint64_t size = 0;
  };
  void scan_journals();

  std::filesystem::path directory_;
  std::vector<std::filesystem::path> journals_;
  std::map<std::string, Location> locations_;
  std::unordered_set<std::string> finished_;
  int journal_descriptor_ = -1;
  std::mutex journal_mutex_;
};

// The manifest of an existing sweep directory: its config digest, run ids and runs.csv header.
struct SweepManifest {
  std::string config_digest;
  std::vector<std::string> run_ids;
  std::string runs_header;
};
SweepManifest read_manifest(const std::filesystem::path& directory);

}  // namespace tabrl
