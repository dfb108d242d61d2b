// The output directory of a sweep (DESIGN.md): runs.csv, curves.csv and manifest.json, built
// from one pair of files per finished run under runs/. A run is committed by renaming its files
// into place (curve first, then the row that marks it finished), so a sweep killed at any moment
// leaves only whole runs; runs.csv and curves.csv are rebuilt atomically in grid order.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "experiments/sweep_config.hpp"
#include "experiments/sweep_run.hpp"

namespace tabrl {

class SweepStore {
 public:
  explicit SweepStore(std::filesystem::path directory) : directory_(std::move(directory)) {}

  // Creates the directory and its manifest, or checks that an existing one was made by the same
  // config. With `restart`, a directory made by another config is emptied first. Throws
  // InputError when the directory belongs to another config (or is not a sweep directory).
  void prepare(const SweepConfig& config, bool restart);

  bool is_finished(const std::string& run_id) const;
  void commit(const RunRecord& record) const;

  // Rebuilds runs.csv and curves.csv from the finished runs of `run_ids`, in that order, and
  // returns how many of them are missing.
  std::size_t assemble(const std::vector<std::string>& run_ids, const std::string& runs_header) const;

  // Records the end of an invocation in the manifest.
  void finish_manifest(std::size_t finished_runs, std::size_t missing_runs) const;

  const std::filesystem::path& directory() const { return directory_; }

 private:
  std::filesystem::path run_file(const std::string& run_id, const char* extension) const {
    return directory_ / "runs" / (run_id + extension);
  }

  std::filesystem::path directory_;
};

// The manifest of an existing sweep directory: its config digest, run ids and runs.csv header.
struct SweepManifest {
  std::string config_digest;
  std::vector<std::string> run_ids;
  std::string runs_header;
};
SweepManifest read_manifest(const std::filesystem::path& directory);

}  // namespace tabrl
