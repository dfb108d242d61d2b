#include "atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <vector>

#include <tabrl/core/error.hpp>
#include <tabrl/core/numbers.hpp>

namespace tabrl {
namespace fs = std::filesystem;

namespace {

constexpr int kMaxSymlinkHops = 40;  // the kernel's own limit (MAXSYMLINKS)

// Follows `path` through every symlink to the path really written. A dangling link resolves to
// its (missing) target, which is then created.
std::string resolve_links(const std::string& path, const std::string& field) {
  fs::path current = path;
  for (int hop = 0; hop < kMaxSymlinkHops; ++hop) {
    struct stat info {};
    if (::lstat(current.c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) return current.string();
    std::error_code error;
    const fs::path link = fs::read_symlink(current, error);
    if (error) throw WriteError(path, error.value());
    current = link.is_absolute() ? link : current.parent_path() / link;
  }
  throw InputError({.field = field}, "'" + path + "': too many levels of symbolic links");
}

// The temporary files being written, for remove_pending_temporaries: a fixed table that owns a
// copy of each name, since a signal handler may neither allocate nor lock, and must not read a
// string another thread may be freeing. A slot is free, being filled, ready, or being unlinked
// by a handler; a file that finds no free slot (more than kPendingSlots at once, or a name too
// long) is left to the stale-temporary sweep, as after kill -9.
constexpr int kPendingSlots = 256;
constexpr std::size_t kPendingNameSize = 4096;  // PATH_MAX
enum PendingState : int { kFree, kFilling, kReady, kUnlinking };
struct PendingSlot {
  std::atomic<int> state{kFree};
  char name[kPendingNameSize];
};
PendingSlot pending_temporaries[kPendingSlots];
static_assert(std::atomic<int>::is_always_lock_free);
// Set by remove_pending_temporaries_at_exit: the process is dying of a signal, and no thread may
// leave a new temporary behind in the moments before it does.
std::atomic<bool> pending_closed{false};
static_assert(std::atomic<bool>::is_always_lock_free);

int register_pending(const std::string& path) {
  if (path.size() >= kPendingNameSize) return -1;
  for (int slot = 0; slot < kPendingSlots; ++slot) {
    int expected = kFree;
    PendingSlot& entry = pending_temporaries[slot];
    if (entry.state.compare_exchange_strong(expected, kFilling)) {
      std::memcpy(entry.name, path.c_str(), path.size() + 1);
      entry.state.store(kReady);
      return slot;
    }
  }
  return -1;
}

void release_pending(int& slot) {
  if (slot < 0) return;
  PendingSlot& entry = pending_temporaries[slot];
  // A handler on another thread may be unlinking it this moment: wait for it (a handler on
  // this thread has finished before this code resumes).
  for (int expected = kReady; !entry.state.compare_exchange_weak(expected, kFree);
       expected = kReady) {
  }
  slot = -1;
}

bool process_is_dead(long pid) {
  return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

WriteError::WriteError(const std::string& path, int error_number)
    : std::runtime_error("cannot write '" + path + "': " + std::strerror(error_number)) {}

// A stream buffer over a file descriptor that remembers the first failed write's errno (an
// ofstream only says that something failed, not what).
class OutputFile::Buffer : public std::streambuf {
 public:
  explicit Buffer(int descriptor) : descriptor_(descriptor), data_(kSize) {
    setp(data_.data(), data_.data() + data_.size());
  }
  int error() const { return error_; }
  bool flush_all() { return drain(); }

 protected:
  int_type overflow(int_type ch) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  static constexpr std::size_t kSize = 1 << 16;

  bool drain() {
    const char* next = pbase();
    std::size_t left = static_cast<std::size_t>(pptr() - pbase());
    while (left > 0 && error_ == 0) {
      const ssize_t written = ::write(descriptor_, next, left);
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) {
        error_ = written < 0 ? errno : EIO;
        break;
      }
      next += written;
      left -= static_cast<std::size_t>(written);
    }
    setp(data_.data(), data_.data() + data_.size());
    return error_ == 0;
  }

  int descriptor_;
  std::vector<char> data_;
  int error_ = 0;
};

OutputFile::OutputFile(const std::string& path, bool durable, const std::string& field)
    : path_(path), kind_(OutputKind::atomic_file), durable_(durable), stream_(nullptr) {
  if (path.empty()) throw InputError({.field = field}, "the output path is empty");
  if (path == "-") {
    kind_ = OutputKind::standard_output;
    path_ = "stdout";  // as errors name it
    target_ = path;
    descriptor_ = STDOUT_FILENO;
  } else {
    target_ = resolve_links(path, field);
    struct stat info {};
    const bool exists = ::stat(target_.c_str(), &info) == 0;
    if (exists && S_ISDIR(info.st_mode)) {
      throw InputError({.field = field}, "'" + path + "' is a directory");
    }
    if (exists && S_ISBLK(info.st_mode)) {
      throw InputError({.field = field}, "'" + path +
                                             "' is a block device; tabrl writes regular "
                                             "files, character devices, FIFOs and sockets only");
    }
    if (exists && (S_ISCHR(info.st_mode) || S_ISFIFO(info.st_mode) || S_ISSOCK(info.st_mode))) {
      kind_ = OutputKind::in_place;
      descriptor_ = ::open(target_.c_str(), O_WRONLY | O_CLOEXEC);
      if (descriptor_ < 0) throw WriteError(path, errno);
    } else {
      directory_ = fs::path(target_).parent_path().string();
      if (directory_.empty()) directory_ = ".";
      struct stat directory_info {};
      if (::stat(directory_.c_str(), &directory_info) != 0) {
        throw InputError({.field = field}, "cannot write '" + path + "': directory '" + directory_ +
                                               "' does not exist");
      }
      if (!S_ISDIR(directory_info.st_mode)) {
        throw InputError({.field = field},
                         "cannot write '" + path + "': '" + directory_ + "' is not a directory");
      }
      remove_stale_temporaries(directory_);
      temporary_ = temporary_path_for(target_);
      // Registered before it exists, so that no signal finds it unregistered (the name is this
      // process's own: unlinking it before it is made is harmless).
      pending_slot_ = register_pending(temporary_);
      descriptor_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
      // A handler on another thread may have just removed the pending temporaries, this one
      // perhaps before it existed: the process is about to die, so this thread removes its own
      // file and waits for the end. (The flag is read after the file exists and after the slot
      // was filled: a handler that set it later finds the slot ready and the file there.)
      // Sequentially consistent, as are the slot's store and the handler's flag store and slot
      // reads: the argument needs a single order of the four.
      if (pending_closed.load(std::memory_order_seq_cst)) {
        if (descriptor_ >= 0) ::unlink(temporary_.c_str());
        for (;;) ::pause();
      }
      if (descriptor_ < 0) {
        const int error = errno;
        release_pending(pending_slot_);
        temporary_.clear();
        throw WriteError(path, error);
      }
      // A replaced file keeps its permissions.
      if (exists) ::fchmod(descriptor_, info.st_mode & 07777);
    }
  }
  try {
    buffer_ = std::make_unique<Buffer>(descriptor_);
  } catch (...) {  // the destructor will not run: undo what it would
    abandon();
    throw;
  }
  stream_.rdbuf(buffer_.get());
}

OutputFile::~OutputFile() {
  if (!committed_) abandon();
}

void OutputFile::abandon() noexcept {
  if (kind_ != OutputKind::standard_output && descriptor_ >= 0) ::close(descriptor_);
  if (!temporary_.empty()) ::unlink(temporary_.c_str());
  release_pending(pending_slot_);
}

void OutputFile::check() const {
  if (buffer_->error() != 0) throw WriteError(path_, buffer_->error());
}

void OutputFile::commit() {
  if (committed_) return;
  buffer_->flush_all();
  check();
  if (kind_ == OutputKind::standard_output) {
    committed_ = true;
    return;
  }
  const int descriptor = descriptor_;
  descriptor_ = -1;
  if (kind_ == OutputKind::atomic_file && durable_ && ::fsync(descriptor) != 0) {
    const int error = errno;
    ::close(descriptor);
    throw WriteError(path_, error);
  }
  if (::close(descriptor) != 0) throw WriteError(path_, errno);
  if (kind_ == OutputKind::atomic_file) {
    if (::rename(temporary_.c_str(), target_.c_str()) != 0) throw WriteError(path_, errno);
    // A signal before this line unlinks a name that no longer exists: harmless.
    release_pending(pending_slot_);
    temporary_.clear();
    if (durable_) {
      // The rename itself survives a power cut once the directory is synced.
      const int directory_descriptor =
          ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (directory_descriptor >= 0) {
        ::fsync(directory_descriptor);
        ::close(directory_descriptor);
      }
    }
  }
  committed_ = true;
}

void remove_pending_temporaries_at_exit() noexcept {
  pending_closed.store(true, std::memory_order_seq_cst);
  remove_pending_temporaries();
}

void remove_pending_temporaries() noexcept {
  for (PendingSlot& entry : pending_temporaries) {
    int expected = kReady;
    if (!entry.state.compare_exchange_strong(expected, kUnlinking)) continue;
    ::unlink(entry.name);
    entry.state.store(kReady);
  }
}

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write,
                           bool durable) {
  OutputFile output(path, durable);
  write(output.stream());
  output.commit();
}

const std::string& this_host() {
  static const std::string name = [] {
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0')
      return std::string("localhost");
    std::string text(buffer);
    for (char& c : text) {
      if (c == '/') c = '_';
    }
    return text;
  }();
  return name;
}

std::string temporary_path_for(const std::string& path) {
  return path + ".tmp." + this_host() + "." + std::to_string(::getpid());
}

bool is_stale_temporary(const std::string& name) {
  const std::string marker = ".tmp." + this_host() + ".";
  const std::size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot + 1 < marker.size()) return false;
  const std::optional<std::int64_t> pid = parse_index(std::string_view(name).substr(dot + 1), 9);
  if (!pid) return false;
  if (name.compare(dot + 1 - marker.size(), marker.size(), marker) != 0) return false;
  return *pid != ::getpid() && process_is_dead(static_cast<long>(*pid));
}

int remove_stale_temporaries(const std::string& directory) {
  int removed = 0;
  std::error_code error;
  for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    if (!is_stale_temporary(it->path().filename().string())) continue;
    std::error_code ignored;
    if (fs::remove(it->path(), ignored)) ++removed;
  }
  return removed;
}

void finish_standard_output() {
  std::cout.flush();
  bool failed = !std::cout;
  int error = failed ? errno : 0;
  if (std::fflush(stdout) != 0) {
    failed = true;
    error = errno;
  }
  if (std::ferror(stdout) != 0) failed = true;
  if (std::fclose(stdout) != 0 && !failed) {
    failed = true;
    error = errno;
  }
  if (failed) throw WriteError("stdout", error != 0 ? error : EIO);
}

}  // namespace tabrl
