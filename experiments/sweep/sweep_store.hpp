// The output directory of a sweep (DESIGN.md): runs.csv, curves.csv and manifest.json, built
// from journals of finished runs under journal/. Each process appends to a journal of its own
// (journal/<host>-<pid>-<nonce>.log); every finished run is one record written with a single
// append: a header "TABRL-RUN <run id> <bytes> <digest>" and the payload (its runs.csv row, then
// its curves.csv rows). A record cut short by a kill fails its length or digest check and is
// ignored, so the run is simply done again. runs.csv and curves.csv are rebuilt atomically, in
// grid order, from the valid records.
//
// What tabrl writes into the directory is listed in manifest.json ("written": paths relative to
// the directory, '*' allowed in the last part; "created_directories"), so that --restart removes
// exactly that and leaves the user's own files alone.
//
// Processes coordinate through flock(2) locks in locks/: each sweep process holds
// locks/shard-I-of-N.lock exclusively (a second process on the same shard is refused) and
// locks/directory.lock shared (merge and --restart take it exclusively, so they never run while a
// sweep writes). Lock files hold a line naming their holder (pid and host) for the refusals.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <tabrl/sweep/sweep_config.hpp>
#include <tabrl/sweep/sweep_run.hpp>

namespace tabrl {

struct Shard {
  int index = 0;  // 0-based
  int count = 1;
};

// An flock(2) lock on one file, released by the destructor or when the process dies (however it
// dies, so a killed sweep never leaves a stale lock). The file holds a line naming the holder.
class LockFile {
 public:
  explicit LockFile(std::filesystem::path path);  // creates the file if needed
  ~LockFile();
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

  // Non-blocking; false when another process (or another LockFile) holds a conflicting lock.
  bool try_lock(bool exclusive);
  void lock(bool exclusive);  // blocking
  void unlock();
  // Replaces the holder line (call it holding the lock exclusively).
  void write_holder(const std::string& text);
  // The holder line last written, "" if none.
  std::string holder() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int descriptor_ = -1;
};

class SweepStore {
 public:
  explicit SweepStore(std::filesystem::path directory);
  ~SweepStore();
  SweepStore(const SweepStore&) = delete;
  SweepStore& operator=(const SweepStore&) = delete;

  // Locks the directory for a sweep (the shard's lock when `shard` is given, the directory lock
  // shared), creates the directory and its manifest or checks that an existing one was made by
  // the same config, then reads the journals. With `restart`, what tabrl wrote for another
  // config is removed first (only when no other process uses the directory); returns the removed
  // paths, relative to the directory. Throws InputError when the directory belongs to another
  // config, is not a sweep directory, or is locked by another process (naming it).
  std::vector<std::string> prepare(const SweepConfig& config, bool restart,
                                   std::optional<Shard> shard = std::nullopt);

  // Takes the directory lock exclusively, for merge: throws InputError naming the processes that
  // use the directory ("... ; <purpose> when it has finished"). A read-only directory without
  // locks/ (merged from, never swept by a tabrl that locks) is left unlocked.
  void lock_exclusively(const std::string& purpose);

  // Reads the journals of an existing directory (for merge).
  void load();

  bool is_finished(const std::string& run_id) const { return finished_.count(run_id) != 0; }

  // Appends one run to this process's journal; safe to call from several threads.
  void commit(const RunRecord& record);

  // Rebuilds runs.csv and curves.csv from the journals for `run_ids`, in that order, and returns
  // how many of them are missing.
  // `rescan`: read the journals first (skip it right after load()).
  std::size_t assemble(const std::vector<std::string>& run_ids, const std::string& runs_header,
                       const std::string& curves_header, bool rescan = true);

  // Records the end of an invocation in the manifest.
  void finish_manifest(std::size_t finished_runs, std::size_t missing_runs) const;

  const std::filesystem::path& directory() const { return directory_; }

 private:
  struct Location {
    std::size_t file = 0;      // index into journals_
    std::uint64_t offset = 0;  // of the payload
    std::uint64_t size = 0;
  };
  void scan_journals();
  // Takes locks/directory.lock shared or, when no other process uses the directory, exclusive;
  // returns whether it is exclusive.
  bool lock_directory_for_sweep();

  std::filesystem::path directory_;
  std::unique_ptr<LockFile> shard_lock_;
  std::unique_ptr<LockFile> directory_lock_;
  std::vector<std::filesystem::path> journals_;
  std::map<std::string, Location> locations_;
  std::unordered_set<std::string> finished_;
  int journal_descriptor_ = -1;
  std::mutex journal_mutex_;
};

// The manifest of an existing sweep directory: its config digest, run ids and the headers of
// runs.csv and curves.csv (fixed when the directory is created, kept on resume).
struct SweepManifest {
  std::string config_digest;
  std::vector<std::string> run_ids;
  std::string runs_header;
  std::string curves_header;
};
SweepManifest read_manifest(const std::filesystem::path& directory);
// Whether `directory` holds a manifest.json, without following it: one that is not a regular file
// (a directory, a FIFO, a symbolic link, dangling or not) is refused with an InputError, as
// every command that reads a manifest refuses it.
bool has_manifest(const std::filesystem::path& directory);

// Stored rows are rendered text: those of a directory whose manifest records other columns (a
// tabrl that wrote other columns, e.g. before a method gained one) must not be assembled under
// these headers. Says why ("was written by a tabrl whose curves.csv columns differ from
// <whose> ('...', here '...')"), or "" when the columns agree.
std::string layout_difference(const SweepManifest& existing, const std::string& runs_header,
                              const std::string& curves_header, const std::string& whose);

// Adds to the manifest's list of what tabrl wrote in `directory` (paths relative to it; '*'
// allowed in the last part) and of the directories it created. Call it before writing them, so
// that a kill in between leaves nothing unlisted.
void record_written(const std::filesystem::path& directory, const std::vector<std::string>& files,
                    const std::vector<std::string>& created_directories);

// Removes what the manifest of `directory` lists as written by tabrl (and the temporary files of
// those writes), except manifest.json itself, then the created directories left empty (a
// manifest that is not valid JSON lists every name a sweep has ever written). Nothing
// outside the directory, and nothing through a symbolic link, is touched. Returns the removed
// paths, relative to the directory. Throws InputError when the manifest lists a path that is not
// inside the directory.
std::vector<std::string> remove_written(const std::filesystem::path& directory);

}  // namespace tabrl
