// Writing output files so that nothing is lost and nothing is broken (docs/reliability.md):
// regular files are replaced atomically, a symlink's target is written (the link stays), a
// device, FIFO or socket is written in place, and every write and close is checked.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <streambuf>
#include <string>

namespace tabrl {

// A write or close that failed. what() reads "cannot write 'PATH': <strerror>".
class WriteError : public std::runtime_error {
 public:
  WriteError(const std::string& path, int error_number);
};

// Where an output goes, decided from what the path names when the output is opened.
enum class OutputKind {
  standard_output,  // "-"
  atomic_file,      // a regular file or a new path (through any symlinks): temp file + rename
  in_place,         // a character device, FIFO or socket: opened and written as it is
};

// An output named by the user. The constructor checks everything that can be checked before
// the work starts (the directory exists, the path is not a directory or a block device) and
// opens the destination; commit() makes the output complete and visible. An OutputFile destroyed
// without commit() leaves nothing behind: a regular file keeps its old contents.
class OutputFile {
 public:
  // Throws InputError (field `field`) for a path that cannot be an output, WriteError when the
  // destination cannot be opened. `durable`: flush the data to disk before the rename.
  explicit OutputFile(const std::string& path, bool durable = true,
                      const std::string& field = "out");
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  std::ostream& stream() { return stream_; }
  // Throws WriteError if any write so far failed (lets a long computation stop early).
  void check() const;
  // Flushes, checks, syncs and renames into place. Throws WriteError.
  void commit();

  OutputKind kind() const { return kind_; }
  // The path as the user gave it (named in errors), and the file really written.
  const std::string& path() const { return path_; }
  const std::string& target() const { return target_; }

 private:
  class Buffer;
  // Closes, and removes the temporary of, an output that will not be committed.
  void abandon() noexcept;
  std::string path_;
  std::string target_;
  std::string temporary_;
  std::string directory_;  // of the target, for an atomic write
  OutputKind kind_;
  bool durable_;
  bool committed_ = false;
  int descriptor_ = -1;
  int pending_slot_ = -1;  // its entry among the pending temporaries, or -1
  std::unique_ptr<Buffer> buffer_;
  std::ostream stream_;
};

// Writes a whole output through `write` with OutputFile's rules. Throws WriteError/InputError.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write,
                           bool durable = true);

// This host's name, as it appears in temporary file names (".tmp.HOST.PID").
const std::string& this_host();

// This process's temporary file for `path`: "PATH.tmp.HOST.PID".
std::string temporary_path_for(const std::string& path);

// Whether `file_name` is a temporary file of this host whose process is dead (its writer was
// killed): the only temporaries tabrl ever removes.
bool is_stale_temporary(const std::string& file_name);

// Removes, in `directory`, the temporary files of this host whose process is dead (left by a
// process killed mid-write). Files of other hosts are kept: a shared file system may hold
// another host's live ones. Returns how many were removed.
int remove_stale_temporaries(const std::string& directory);

// Removes the temporary files this process is writing (the OutputFiles not yet committed or
// destroyed). Async-signal-safe: what a signal handler calls before the process dies of the
// signal (experiments/cli/interrupt.hpp), so that a Ctrl-C leaves no temporary behind.
void remove_pending_temporaries() noexcept;
// The same for a process about to die of a signal, for good: an output that another thread opens
// afterwards removes its own temporary at once and waits for the process's end, so that none
// appears in the moments between the cleanup and the death.
void remove_pending_temporaries_at_exit() noexcept;

// Checks what commands wrote to the process's standard output: flushes and closes it. Throws
// WriteError("stdout") on failure (a full disk, /dev/full, a closed pipe).
void finish_standard_output();

}  // namespace tabrl
