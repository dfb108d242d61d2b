#include "sweep_store.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>
#include <thread>

#include <tabrl/core/csv.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/text.hpp>
#include <tabrl/sweep/atomic_file.hpp>

#ifndef TABRL_VERSION
#define TABRL_VERSION "unknown"
#endif
// TABRL_GIT_COMMIT, written at every build (cmake/git_commit.cmake).
#include "tabrl_git_commit.hpp"

namespace tabrl {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

// A manifest.json that is not a regular file (a directory, a FIFO, whose reading would wait
// forever, or a symbolic link, through which a rewrite would change a file elsewhere) is
// refused: tabrl neither reads it nor deletes it nor writes through it.
void check_manifest_file(const fs::path& path) {
  std::error_code error;
  const fs::file_status status = fs::symlink_status(path, error);
  if (error || !fs::exists(status) || fs::is_regular_file(status)) return;
  throw InputError({.file = path.string()},
                   "is not a regular file (a directory, FIFO or symbolic link), where tabrl keeps "
                   "its own manifest; tabrl leaves it alone: remove it by hand");
}

json load_json(const fs::path& path) {
  check_manifest_file(path);
  try {
    return json::parse(read_text_file(path.string()));
  } catch (const json::exception& error) {
    throw InputError({.file = path.string()}, std::string("unreadable manifest: ") + error.what());
  }
}

// The manifest's lists of what tabrl wrote, for cleaning up: the manifest itself, or an empty
// object (the legacy lists: every name a sweep has ever written) when it is not valid JSON, as
// after a hand edit; a manifest cut short cannot happen (it is replaced atomically).
json manifest_or_empty(const fs::path& path) {
  check_manifest_file(path);
  if (!fs::exists(path)) return json::object();
  try {
    return json::parse(read_text_file(path.string()));
  } catch (const json::exception&) {
    return json::object();
  }
}

// What a sweep writes into its directory (manifest "written"), and the directories it creates.
// Manifests written before the lists existed get the same lists, plus the SLURM files.
const std::vector<std::string> kSweepFiles = {"manifest.json", "runs.csv", "curves.csv",
                                              "journal/*.log"};
const std::vector<std::string> kSweepDirectories = {"journal"};
const std::vector<std::string> kLegacyFiles = {"manifest.json",      "runs.csv",
                                               "curves.csv",         "journal/*.log",
                                               "slurm/sweep.sbatch", "slurm/task-*.out"};
const std::vector<std::string> kLegacyDirectories = {"journal", "slurm"};

// The manifest's lists can be edited by hand: only plain relative paths below the directory are
// accepted, so that --restart can never delete outside it.
bool inside_directory(const std::string& entry) {
  const fs::path path(entry);
  if (entry.empty() || path.is_absolute() || path.has_root_name()) return false;
  for (const fs::path& part : path) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return true;
}

std::vector<std::string> string_list(const json& manifest, const char* key,
                                     const std::vector<std::string>& fallback) {
  // A list damaged by hand (not a list of strings) is as good as none: the fallback names
  // everything a sweep writes, and the next record_written repairs the manifest.
  const auto found = manifest.is_object() ? manifest.find(key) : manifest.end();
  if (found == manifest.end() || !found->is_array()) return fallback;
  for (const json& entry : *found) {
    if (!entry.is_string()) return fallback;
  }
  return found->get<std::vector<std::string>>();
}

// DIR/parent when it is a real directory reached without following a symbolic link.
std::optional<fs::path> real_subdirectory(const fs::path& directory, const fs::path& parent) {
  fs::path path = directory;
  for (const fs::path& part : parent) {
    path /= part;
    std::error_code error;
    const fs::file_status status = fs::symlink_status(path, error);
    if (error || !fs::is_directory(status)) return std::nullopt;  // missing, a file or a link
  }
  return path;
}

// Removes the files of DIR matching `entry` ('*' in its last part) and their temporaries
// (`<name>.tmp.HOST.PID` of this host whose writer is dead); never directories. Appends what it
// removed.
void remove_matching(const fs::path& directory, const std::string& entry, bool keep_entry,
                     std::vector<std::string>& removed) {
  const fs::path relative(entry);
  const std::optional<fs::path> parent = real_subdirectory(directory, relative.parent_path());
  if (!parent) return;
  const std::string pattern = relative.filename().string();
  const std::string temporaries = pattern + ".tmp.*";
  std::error_code error;
  std::vector<fs::path> doomed;
  for (const auto& child : fs::directory_iterator(*parent, error)) {
    const std::string name = child.path().filename().string();
    const bool main = fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
    // Only this host's temporaries whose writer is dead: a shared file system may hold another
    // host's live ones.
    const bool temporary =
        fnmatch(temporaries.c_str(), name.c_str(), 0) == 0 && is_stale_temporary(name);
    if (!(temporary || (main && !keep_entry))) continue;
    if (child.is_directory(error) && !child.is_symlink(error)) continue;
    doomed.push_back(child.path());
  }
  std::sort(doomed.begin(), doomed.end());
  for (const fs::path& path : doomed) {
    if (fs::remove(path, error)) {
      removed.push_back(path.lexically_relative(directory).generic_string());
    }
  }
}

// The temporary files of tabrl's own writes into DIR, left by processes that were killed.
void remove_temporaries(const fs::path& directory, const std::vector<std::string>& written) {
  std::vector<std::string> ignored;
  for (const std::string& entry : written) {
    if (inside_directory(entry)) remove_matching(directory, entry, /*keep_entry=*/true, ignored);
  }
}

std::string lock_holder_line(const std::string& what) {
  return what + ", pid " + std::to_string(::getpid()) + " on host " + this_host() + " (since " +
         utc_now() + ")";
}

// Probes the shard locks of DIR/locks: the holder lines of those held by a live process.
std::vector<std::string> live_shard_holders(const fs::path& directory, const LockFile* own) {
  std::vector<std::string> holders;
  std::error_code error;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory / "locks", error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("shard-", 0) == 0 && entry.path().extension() == ".lock") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& path : files) {
    if (own != nullptr && path == own->path()) continue;
    LockFile probe(path);
    if (probe.try_lock(/*exclusive=*/false)) continue;  // nobody runs that shard now
    const std::string holder = probe.holder();
    holders.push_back(holder.empty() ? "a tabrl sweep (" + path.filename().string() + ")" : holder);
  }
  return holders;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : "; ") + part;
  return text;
}

// Read-modify-write of DIR/manifest.json under DIR/locks/manifest.lock: shards finishing
// together, plots recording their figures and --restart must not lose each other's changes.
void update_manifest(const fs::path& directory, const std::function<void(json&)>& change) {
  fs::create_directories(directory / "locks");
  LockFile lock(directory / "locks" / "manifest.lock");
  lock.lock(/*exclusive=*/true);
  const fs::path path = directory / "manifest.json";
  json manifest = load_json(path);
  change(manifest);
  write_file_atomically(path.string(), [&](std::ostream& out) { out << manifest.dump(2) << "\n"; });
}

// Checksum of a journal record: 64-bit words mixed by multiplication (eight times faster than a
// byte-wise hash; it only has to catch torn or damaged records, not adversaries).
std::string payload_checksum(std::string_view text) {
  std::uint64_t hash = 0x9e3779b97f4a7c15ULL ^ text.size();
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    hash = (hash ^ word) * 0xff51afd7ed558ccdULL;
    hash ^= hash >> 32;
  }
  for (; i < text.size(); ++i)
    hash = (hash ^ static_cast<unsigned char>(text[i])) * 0x100000001b3ULL;
  hash ^= hash >> 29;
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

}  // namespace

LockFile::LockFile(fs::path path) : path_(std::move(path)) {
  descriptor_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  // flock needs no write access: a directory that is only readable (another user's shard being
  // merged from) can still be locked, only its holder line is not written.
  if (descriptor_ < 0 && (errno == EACCES || errno == EROFS)) {
    descriptor_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (descriptor_ < 0) {
    throw std::runtime_error("cannot open the lock file " + path_.string() + ": " +
                             std::strerror(errno));
  }
}

LockFile::~LockFile() {
  if (descriptor_ >= 0) ::close(descriptor_);  // releases the lock
}

bool LockFile::try_lock(bool exclusive) {
  while (true) {
    if (::flock(descriptor_, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0) return true;
    if (errno == EWOULDBLOCK) return false;
    if (errno != EINTR) {
      throw std::runtime_error("cannot lock " + path_.string() + ": " + std::strerror(errno));
    }
  }
}

void LockFile::lock(bool exclusive) {
  while (::flock(descriptor_, exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno != EINTR) {
      throw std::runtime_error("cannot lock " + path_.string() + ": " + std::strerror(errno));
    }
  }
}

void LockFile::unlock() { ::flock(descriptor_, LOCK_UN); }

void LockFile::write_holder(const std::string& text) {
  const std::string line = text + "\n";
  // Best effort: the line only serves the messages of processes that are refused.
  if (::ftruncate(descriptor_, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(descriptor_, line.data(), line.size(), 0);
  }
}

std::string LockFile::holder() const {
  char buffer[512];
  const ssize_t size = ::pread(descriptor_, buffer, sizeof buffer, 0);
  std::string text(buffer, size > 0 ? static_cast<std::size_t>(size) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text;
}

namespace {

// A manifest.json as far as this tabrl can use it: its fields, or why not; and whether a tabrl
// wrote it (a JSON object naming a config digest or a tabrl version), whatever else is wrong
// with it. Errors reading the file itself are thrown.
struct ManifestReading {
  std::optional<SweepManifest> manifest;
  std::string problem;
  bool written_by_tabrl = false;
};

ManifestReading read_manifest_file(const fs::path& path) {
  check_manifest_file(path);
  ManifestReading reading;
  json manifest;
  try {
    manifest = json::parse(read_text_file(path.string()));
  } catch (const json::exception& error) {
    reading.problem = std::string("unreadable manifest: ") + error.what();
    return reading;
  }
  reading.written_by_tabrl = manifest.is_object() && (manifest.contains("config_digest") ||
                                                      manifest.contains("tabrl_version"));
  try {
    reading.manifest = {.config_digest = manifest.at("config_digest").get<std::string>(),
                        .run_ids = manifest.at("run_ids").get<std::vector<std::string>>(),
                        .runs_header = manifest.at("runs_header").get<std::string>(),
                        .curves_header = manifest.at("curves_header").get<std::string>()};
  } catch (const json::exception& error) {
    reading.problem = std::string("incomplete manifest: ") + error.what();
  }
  return reading;
}

}  // namespace

bool has_manifest(const fs::path& directory) {
  const fs::path path = directory / "manifest.json";
  check_manifest_file(path);
  return fs::exists(path);
}

SweepManifest read_manifest(const fs::path& directory) {
  const fs::path path = directory / "manifest.json";
  if (!has_manifest(directory)) {
    throw InputError({.file = directory.string()},
                     "not a tabrl sweep directory (no manifest.json)");
  }
  ManifestReading reading = read_manifest_file(path);
  if (!reading.manifest) throw InputError({.file = path.string()}, reading.problem);
  return std::move(*reading.manifest);
}

std::string layout_difference(const SweepManifest& existing, const std::string& runs_header,
                              const std::string& curves_header, const std::string& whose) {
  const auto differs = [&](const char* file, const std::string& was, const std::string& here) {
    return "was written by a tabrl whose " + std::string(file) + " columns differ from " + whose +
           " ('" + was + "', here '" + here + "')";
  };
  if (existing.curves_header != curves_header) {
    return differs("curves.csv", existing.curves_header, curves_header);
  }
  if (existing.runs_header != runs_header) {
    return differs("runs.csv", existing.runs_header, runs_header);
  }
  return {};
}

std::vector<std::string> SweepStore::prepare(const SweepConfig& config, bool restart,
                                             std::optional<Shard> shard) {
  // An empty path would put locks/ and the results in the working directory.
  if (directory_.empty()) throw InputError({.field = "--out"}, "the directory path is empty");
  const fs::path manifest_path = directory_ / "manifest.json";
  // A directory tabrl has swept before holds its directory lock (kept after the sweep).
  std::error_code ignored;
  const bool locked_before =
      fs::is_regular_file(fs::symlink_status(directory_ / "locks" / "directory.lock", ignored));
  // A directory with a manifest.json is tabrl's when a tabrl wrote the manifest or swept there
  // before: only then may --restart clean it, however damaged the manifest is. Without a
  // manifest the directory must hold nothing but what a sweep creates before it: locks/ and
  // the manifest being written (another shard starting at the same moment). Returns the
  // manifest's reading, when there is one.
  const auto refuse_foreign = [&]() -> std::optional<ManifestReading> {
    if (has_manifest(directory_)) {
      ManifestReading reading = read_manifest_file(manifest_path);
      if (reading.manifest || reading.written_by_tabrl || locked_before) return reading;
      throw InputError({.file = directory_.string()},
                       "exists, is not empty and is not a tabrl sweep directory (its "
                       "manifest.json is not tabrl's: " +
                           reading.problem + "); choose another --out");
    }
    for (const auto& entry : fs::directory_iterator(directory_)) {
      const std::string name = entry.path().filename().string();
      if (name != "locks" && name.rfind("manifest.json.tmp.", 0) != 0) {
        throw InputError({.file = directory_.string()},
                         "exists, is not empty and is not a tabrl sweep directory; choose "
                         "another --out");
      }
    }
    return std::nullopt;
  };
  if (fs::exists(directory_)) {
    if (!fs::is_directory(directory_)) {
      throw InputError({.file = directory_.string()}, "exists and is not a directory");
    }
    refuse_foreign();  // before locks/ is created in a directory of the user's
  }
  // A parent that is a file, or no permission: the user's --out is wrong, not tabrl.
  std::error_code error;
  fs::create_directories(directory_ / "locks", error);
  if (error) {
    throw InputError({.file = directory_.string()}, "cannot make the sweep directory: " +
                                                        error.message() + "; choose another --out");
  }
  if (shard) {
    const std::string index = std::to_string(shard->index), count = std::to_string(shard->count);
    const std::string name = "shard " + index + "/" + count;
    shard_lock_ = std::make_unique<LockFile>(directory_ / "locks" /
                                             ("shard-" + index + "-of-" + count + ".lock"));
    // A merge probing the shard locks holds one for an instant: try for a moment before refusing.
    bool locked = false;
    for (int attempt = 0; attempt < 10 && !locked; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      locked = shard_lock_->try_lock(/*exclusive=*/true);
    }
    if (!locked) {
      const std::string holder = shard_lock_->holder();
      throw InputError({.file = directory_.string()},
                       name + " of this sweep is already running here: " +
                           (holder.empty() ? "another tabrl sweep" : holder) +
                           "; wait for it to finish (or stop it) before running it again");
    }
    shard_lock_->write_holder(lock_holder_line("tabrl sweep " + name));
  }
  const bool exclusive = lock_directory_for_sweep();

  std::vector<std::string> removed;
  {
    LockFile manifest_lock(directory_ / "locks" / "manifest.lock");
    manifest_lock.lock(/*exclusive=*/true);
    // Again, now that no other sweep is preparing the directory.
    const std::optional<ManifestReading> existing = refuse_foreign();
    bool write_manifest = !existing;
    if (existing) {
      const ManifestReading& reading = *existing;
      // Hand-edited or damaged: --restart cleans it as it cleans another config's directory.
      const std::string differs =
          !reading.manifest ? "has a manifest.json this tabrl cannot use (" + reading.problem + ")"
          : reading.manifest->config_digest != config.config_digest
              ? "was made by a different sweep config (digest " + reading.manifest->config_digest +
                    ", this config " + config.config_digest + ")"
              : layout_difference(*reading.manifest, runs_csv_header(config.settings),
                                  curves_csv_schema(config).header(), "this one's");
      if (!differs.empty()) {
        if (!restart) {
          throw InputError({.file = directory_.string()},
                           differs +
                               "; pass --restart to delete what tabrl wrote there and start "
                               "over, or choose another --out");
        }
        if (!exclusive) {
          throw InputError({.file = directory_.string()},
                           "--restart would delete results that other processes are writing (" +
                               joined(live_shard_holders(directory_, shard_lock_.get())) +
                               "); wait for them to finish or stop them");
        }
        // The old manifest stays until the new one replaces it: a kill in the middle leaves a
        // directory that --restart can finish cleaning.
        removed = remove_written(directory_);
        write_manifest = true;
      }
    }
    if (exclusive) {  // no other process is writing: temporaries are leftovers of killed ones
      const json listed = manifest_or_empty(manifest_path);
      remove_temporaries(directory_, string_list(listed, "written", kLegacyFiles));
      remove_temporaries(directory_, kSweepFiles);
    }
    if (write_manifest) {
      json manifest = {
          {"tabrl_version", TABRL_VERSION},
          {"git_commit", TABRL_GIT_COMMIT},
          {"host", this_host()},
          {"config_path", config.path},
          {"config_name", config.settings.name},
          {"config_digest", config.config_digest},
          {"config_text", config.text},
          {"runs_header", runs_csv_header(config.settings)},
          {"curves_header", curves_csv_schema(config).header()},
          {"run_ids", config.run_ids},
          {"written", kSweepFiles},
          {"created_directories", kSweepDirectories},
          {"started", utc_now()},
          {"finished", nullptr},
      };
      write_file_atomically(manifest_path.string(),
                            [&](std::ostream& out) { out << manifest.dump(2) << "\n"; });
    }
  }
  if (exclusive) directory_lock_->lock(/*exclusive=*/false);  // let other shards in
  fs::create_directories(directory_ / "journal");
  scan_journals();
  return removed;
}

bool SweepStore::lock_directory_for_sweep() {
  directory_lock_ = std::make_unique<LockFile>(directory_ / "locks" / "directory.lock");
  // Alone: exclusive, to clean up and restart safely. Otherwise shared with the other sweeps.
  // Held exclusively by another: a sweep preparing (a moment: wait, as SLURM starts many tasks at
  // once) or a merge (refuse). The holder line is written just after the lock is taken, so a line
  // naming a merge is believed only once it has stayed for a second.
  const auto start = std::chrono::steady_clock::now();
  while (true) {
    if (directory_lock_->try_lock(/*exclusive=*/true)) {
      directory_lock_->write_holder(lock_holder_line("tabrl sweep (preparing the directory)"));
      return true;
    }
    if (directory_lock_->try_lock(/*exclusive=*/false)) return false;
    const std::string holder = directory_lock_->holder();
    const bool preparing = holder.find("(preparing the directory)") != std::string::npos;
    const auto waited = std::chrono::steady_clock::now() - start;
    if ((!preparing && waited > std::chrono::seconds(1)) || waited > std::chrono::seconds(60)) {
      throw InputError({.file = directory_.string()},
                       "is in use by " + (holder.empty() ? "another tabrl process" : holder) +
                           "; run the sweep when it has finished");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void SweepStore::lock_exclusively(const std::string& purpose) {
  std::error_code error;
  fs::create_directories(directory_ / "locks", error);
  if (error && !fs::exists(directory_ / "locks" / "directory.lock")) {
    // A read-only directory of a tabrl without locks: no sweep of ours can be writing there.
    if (error == std::errc::permission_denied || error == std::errc::read_only_file_system) return;
    throw fs::filesystem_error("cannot create the lock directory", directory_ / "locks", error);
  }
  directory_lock_ = std::make_unique<LockFile>(directory_ / "locks" / "directory.lock");
  if (!directory_lock_->try_lock(/*exclusive=*/true)) {
    std::vector<std::string> holders = live_shard_holders(directory_, nullptr);
    if (holders.empty()) {
      const std::string holder = directory_lock_->holder();
      holders.push_back(holder.empty() ? "another tabrl process" : holder);
    }
    throw InputError(
        {.file = directory_.string()},
        "is in use by " + joined(holders) + "; " + purpose + " when it has finished (or stop it)");
  }
  directory_lock_->write_holder(lock_holder_line("tabrl merge"));
}

void record_written(const fs::path& directory, const std::vector<std::string>& files,
                    const std::vector<std::string>& created_directories) {
  update_manifest(directory, [&](json& manifest) {
    const auto add = [&](const char* key, const std::vector<std::string>& fallback,
                         const std::vector<std::string>& more) {
      std::vector<std::string> list = string_list(manifest, key, fallback);
      for (const std::string& entry : more) {
        if (std::find(list.begin(), list.end(), entry) == list.end()) list.push_back(entry);
      }
      manifest[key] = list;
    };
    add("written", kLegacyFiles, files);
    add("created_directories", kLegacyDirectories, created_directories);
  });
}

std::vector<std::string> remove_written(const fs::path& directory) {
  const fs::path manifest_path = directory / "manifest.json";
  const json manifest = manifest_or_empty(manifest_path);
  const std::vector<std::string> files = string_list(manifest, "written", kLegacyFiles);
  std::vector<std::string> directories =
      string_list(manifest, "created_directories", kLegacyDirectories);
  for (const auto& list : {files, directories}) {
    for (const std::string& entry : list) {
      if (!inside_directory(entry)) {
        throw InputError({.file = manifest_path.string()},
                         "lists '" + entry + "' as written by tabrl, which is not a path inside " +
                             directory.string() +
                             "; nothing was deleted (remove the old results by hand)");
      }
    }
  }
  std::vector<std::string> removed;
  for (const std::string& entry : files) {
    remove_matching(directory, entry, /*keep_entry=*/entry == "manifest.json", removed);
  }
  // Deepest first, and only when empty: a directory holding a file of the user's stays.
  std::sort(directories.begin(), directories.end(), [](const std::string& a, const std::string& b) {
    return std::distance(fs::path(a).begin(), fs::path(a).end()) >
           std::distance(fs::path(b).begin(), fs::path(b).end());
  });
  for (const std::string& entry : directories) {
    const fs::path relative(entry);
    const std::optional<fs::path> path = real_subdirectory(directory, relative);
    std::error_code error;
    if (path && fs::is_empty(*path, error) && !error && fs::remove(*path, error)) {
      removed.push_back(relative.generic_string() + "/");
    }
  }
  return removed;
}

SweepStore::SweepStore(fs::path directory) : directory_(std::move(directory)) {}

SweepStore::~SweepStore() {
  if (journal_descriptor_ >= 0) ::close(journal_descriptor_);
}

void SweepStore::load() { scan_journals(); }

void SweepStore::scan_journals() {
  journals_.clear();
  locations_.clear();
  finished_.clear();
  const fs::path journal_directory = directory_ / "journal";
  std::error_code ignored;
  if (!fs::is_directory(journal_directory, ignored)) return;
  for (const auto& entry : fs::directory_iterator(journal_directory)) {
    if (entry.path().extension() != ".log") continue;
    // tabrl's journals are regular files; reading anything else (a FIFO would block forever)
    // is refused.
    std::error_code status_error;
    if (!entry.is_regular_file(status_error)) {
      throw InputError({.file = entry.path().string()},
                       "is not a regular file, so not a journal of tabrl's; remove it");
    }
    journals_.push_back(entry.path());
  }
  std::sort(journals_.begin(), journals_.end());  // first occurrence wins, deterministically
  for (std::size_t file = 0; file < journals_.size(); ++file) {
    const std::string text = read_text_file(journals_[file].string());
    std::size_t position = 0;
    while (position < text.size()) {
      const std::size_t line_end = text.find('\n', position);
      if (line_end == std::string::npos) break;  // torn header
      std::istringstream header(text.substr(position, line_end - position));
      std::string magic, run_id, payload_digest;
      std::uint64_t size = 0;
      if (!(header >> magic >> run_id >> size >> payload_digest) || magic != "TABRL-RUN") break;
      const std::size_t payload = line_end + 1;
      if (size > text.size() - payload) break;  // torn payload
      if (payload_checksum(std::string_view(text).substr(payload, size)) != payload_digest) break;
      if (finished_.insert(run_id).second) locations_[run_id] = {file, payload, size};
      position = payload + size;
    }
  }
}

void SweepStore::commit(const RunRecord& record) {
  std::string payload = record.runs_row + "\n" + record.curve_rows;
  std::string entry = "TABRL-RUN " + record.run_id + " " + std::to_string(payload.size()) + " " +
                      payload_checksum(payload) + "\n" + payload;
  const std::lock_guard lock(journal_mutex_);
  if (journal_descriptor_ < 0) {
    const auto nonce = std::chrono::steady_clock::now().time_since_epoch().count();
    const fs::path path =
        directory_ / "journal" /
        (this_host() + "-" + std::to_string(::getpid()) + "-" + std::to_string(nonce) + ".log");
    journal_descriptor_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (journal_descriptor_ < 0) {
      const int error = errno;
      throw std::runtime_error("cannot create journal " + path.string() + ": " +
                               std::strerror(error));
    }
  }
  // One write per record: a kill leaves either the whole record or a torn tail that fails its
  // length or digest check.
  const char* data = entry.data();
  std::size_t left = entry.size();
  while (left > 0) {
    const ssize_t written = ::write(journal_descriptor_, data, left);
    if (written < 0) {
      const int error = errno;
      if (error == EINTR) continue;
      throw std::runtime_error("cannot append to the sweep journal in " + directory_.string() +
                               ": " + std::strerror(error));
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  finished_.insert(record.run_id);
}

std::size_t SweepStore::assemble(const std::vector<std::string>& run_ids,
                                 const std::string& runs_header, const std::string& curves_header,
                                 bool rescan) {
  if (rescan) scan_journals();
  // Journals open a bounded number at a time: a sweep of many shards or SLURM tasks has more
  // journals than a process may open. A quarter of the open-file limit (at least 16): a grid of
  // N shards visits its journals in a cycle, which a cache as large as N serves from open files.
  rlimit limit{};
  const std::size_t open_limit =
      ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
          ? static_cast<std::size_t>(limit.rlim_cur)
          : 1024;
  const std::size_t cache_size = std::clamp<std::size_t>(open_limit / 4, 16, 4096);
  std::vector<std::pair<std::size_t, std::ifstream>> open;
  std::size_t next_slot = 0;
  const auto payload_of = [&](const Location& location) {
    auto cached = std::find_if(open.begin(), open.end(),
                               [&](const auto& entry) { return entry.first == location.file; });
    if (cached == open.end()) {
      std::ifstream stream(journals_[location.file], std::ios::binary);
      if (!stream.is_open()) {
        const int error = errno;
        throw std::runtime_error("cannot open the sweep journal " +
                                 journals_[location.file].string() + ": " + std::strerror(error));
      }
      if (open.size() < cache_size) {
        open.emplace_back(location.file, std::move(stream));
        cached = open.end() - 1;
      } else {  // the oldest slot makes room
        cached = open.begin() + static_cast<std::ptrdiff_t>(next_slot);
        next_slot = (next_slot + 1) % cache_size;
        *cached = {location.file, std::move(stream)};
      }
    }
    std::ifstream& file = cached->second;
    std::string payload(location.size, '\0');
    errno = 0;
    file.seekg(static_cast<std::streamoff>(location.offset));
    file.read(payload.data(), static_cast<std::streamsize>(location.size));
    if (!file) {
      const int error = errno;
      const std::string reason = error != 0 ? std::strerror(error) : "it is shorter than before";
      throw std::runtime_error("cannot read the sweep journal " +
                               journals_[location.file].string() + ": " + reason);
    }
    return payload;
  };
  // The payload is the runs.csv row, then the curves.csv rows. The row ends at its first line
  // break outside quotes: a field (an MDP file's name) may hold a quoted line break.
  std::vector<std::string> fields;
  const auto runs_row_end = [&](const std::string& payload) {
    return read_csv_record(payload, 0, CsvDialect::rfc4180, fields).next;
  };
  // curves.csv first: the directory is complete only when runs.csv lists every run, so a failure
  // or a kill between the two files leaves it incomplete (and a new sweep assembles it again),
  // never a complete runs.csv beside old curves.
  std::size_t missing = 0;
  write_file_atomically((directory_ / "curves.csv").string(), [&](std::ostream& out) {
    out << curves_header << "\n";
    for (const std::string& id : run_ids) {
      const auto found = locations_.find(id);
      if (found == locations_.end()) continue;
      const std::string payload = payload_of(found->second);
      out << std::string_view(payload).substr(runs_row_end(payload));
    }
  });
  write_file_atomically((directory_ / "runs.csv").string(), [&](std::ostream& out) {
    out << runs_header << "\n";
    for (const std::string& id : run_ids) {
      const auto found = locations_.find(id);
      if (found == locations_.end()) {
        ++missing;
        continue;
      }
      const std::string payload = payload_of(found->second);
      out << std::string_view(payload).substr(0, runs_row_end(payload));
    }
  });
  return missing;
}

void SweepStore::finish_manifest(std::size_t finished_runs, std::size_t missing_runs) const {
  update_manifest(directory_, [&](json& manifest) {
    manifest["finished"] = utc_now();
    manifest["finished_runs"] = finished_runs;
    manifest["missing_runs"] = missing_runs;
  });
}

}  // namespace tabrl
