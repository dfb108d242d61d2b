// OutputFile (experiments/atomic_file.hpp): what a path names decides how it is written.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <tabrl/core/error.hpp>
#include <tabrl/core/text.hpp>
#include <tabrl/sweep/atomic_file.hpp>

using namespace tabrl;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& path) { return read_text_file(path.string()); }

fs::path fresh_directory(const std::string& name) {
  const fs::path root = fs::temp_directory_path() / ("tabrl_output_test_" + name);
  fs::remove_all(root);
  fs::create_directories(root);
  return root;
}

}  // namespace

TEST_CASE(
    "a regular file is replaced only at commit, and an abandoned output leaves it as it was") {
  const fs::path root = fresh_directory("regular");
  std::ofstream(root / "a.csv") << "old\n";
  {
    OutputFile output((root / "a.csv").string());
    CHECK(output.kind() == OutputKind::atomic_file);
    output.stream() << "new\n";
    CHECK(read(root / "a.csv") == "old\n");
  }  // not committed
  CHECK(read(root / "a.csv") == "old\n");
  CHECK(std::distance(fs::directory_iterator(root), fs::directory_iterator()) == 1);
  OutputFile output((root / "a.csv").string());
  output.stream() << "new\n";
  output.commit();
  CHECK(read(root / "a.csv") == "new\n");
}

TEST_CASE("a symlink is followed: its target is written and the link kept") {
  const fs::path root = fresh_directory("symlink");
  std::ofstream(root / "target.csv") << "old\n";
  fs::create_symlink("target.csv", root / "link.csv");
  fs::create_symlink("missing.csv", root / "dangling.csv");
  write_file_atomically((root / "link.csv").string(), [](std::ostream& out) { out << "new\n"; });
  write_file_atomically((root / "dangling.csv").string(), [](std::ostream& out) { out << "x\n"; });
  CHECK(fs::is_symlink(root / "link.csv"));
  CHECK(read(root / "target.csv") == "new\n");
  CHECK(fs::is_symlink(root / "dangling.csv"));
  CHECK(read(root / "missing.csv") == "x\n");
}

TEST_CASE("a FIFO is written in place") {
  const fs::path root = fresh_directory("fifo");
  const fs::path fifo = root / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Opening a FIFO for writing waits for a reader; O_RDWR from this side keeps it open.
  std::FILE* keep_open = std::fopen(fifo.c_str(), "r+");
  REQUIRE(keep_open != nullptr);
  {
    OutputFile output(fifo.string());
    CHECK(output.kind() == OutputKind::in_place);
    output.stream() << "row\n";
    output.commit();
  }
  char line[16] = {};
  CHECK(std::fgets(line, sizeof line, keep_open) != nullptr);
  CHECK(std::string(line) == "row\n");
  std::fclose(keep_open);
  struct stat info {};
  REQUIRE(::lstat(fifo.c_str(), &info) == 0);
  CHECK(S_ISFIFO(info.st_mode));
}

TEST_CASE("outputs that cannot be written are refused before any work, naming the path") {
  const fs::path root = fresh_directory("refusals");
  fs::create_directories(root / "dir.csv");
  CHECK_THROWS_WITH_AS(OutputFile((root / "dir.csv").string()), doctest::Contains("is a directory"),
                       InputError);
  CHECK_THROWS_WITH_AS(OutputFile((root / "missing" / "x.csv").string()),
                       doctest::Contains("does not exist"), InputError);
  CHECK_THROWS_AS(OutputFile(""), InputError);
  CHECK(OutputFile("-").kind() == OutputKind::standard_output);
}

TEST_CASE("a failed write names the path and the reason") {
  if (!fs::exists("/dev/full")) return;
  // /dev/full is opened in place (never replaced): a character device.
  OutputFile output("/dev/full");
  CHECK(output.kind() == OutputKind::in_place);
  for (int i = 0; i < 100000; ++i) output.stream() << "0123456789";
  CHECK_THROWS_WITH_AS(output.commit(), "cannot write '/dev/full': No space left on device",
                       WriteError);
}

TEST_CASE("only this host's temporaries whose process is dead are stale") {
  CHECK(is_stale_temporary("x.csv.tmp." + this_host() + ".999999999"));
  CHECK_FALSE(is_stale_temporary("x.csv.tmp." + this_host() + "." + std::to_string(::getpid())));
  CHECK_FALSE(is_stale_temporary("x.csv.tmp." + this_host() + ".1"));  // init is alive
  CHECK_FALSE(is_stale_temporary("x.csv.tmp.another-host.999999999"));
  CHECK_FALSE(is_stale_temporary("x.csv.tmp." + this_host() + ".abc"));
  CHECK(temporary_path_for("a/b.csv") ==
        "a/b.csv.tmp." + this_host() + "." + std::to_string(::getpid()));
  const fs::path root = fresh_directory("stale");
  std::ofstream(root / ("a.csv.tmp." + this_host() + ".999999999")) << "torn";
  std::ofstream(root / "a.csv.tmp.another-host.999999999") << "live elsewhere";
  CHECK(remove_stale_temporaries(root.string()) == 1);
  CHECK(fs::exists(root / "a.csv.tmp.another-host.999999999"));
}

TEST_CASE("remove_pending_temporaries takes the outputs being written, and only those") {
  const fs::path root = fresh_directory("pending");
  const auto entries = [&] {
    return std::distance(fs::directory_iterator(root), fs::directory_iterator());
  };
  OutputFile done((root / "done.csv").string());
  done.stream() << "kept\n";
  done.commit();
  {
    OutputFile first((root / "first.csv").string());
    OutputFile second((root / "second.csv").string());
    first.stream() << "partial\n";
    CHECK(entries() == 3);  // done.csv and two temporaries
    remove_pending_temporaries();
    CHECK(entries() == 1);
    CHECK(read(root / "done.csv") == "kept\n");
    // What a signal handler does before the process dies; were it to live on, the commit
    // fails with the reason instead of publishing nothing silently.
    CHECK_THROWS_AS(first.commit(), WriteError);
  }
  // A committed or destroyed output is no longer pending: a later call touches nothing.
  OutputFile later((root / "later.csv").string());
  later.stream() << "complete\n";
  later.commit();
  remove_pending_temporaries();
  CHECK(read(root / "later.csv") == "complete\n");
  CHECK(entries() == 2);
}

TEST_CASE("after the cleanup at exit, an output being opened leaves no temporary behind") {
  // What another thread does in the moments between a dying handler's cleanup and the process's
  // death: before, its open created a temporary that nothing removed. In a child process, since
  // the opener then waits for the end.
  const fs::path root = fresh_directory("closed");
  const auto entries = [&] {
    return std::distance(fs::directory_iterator(root), fs::directory_iterator());
  };
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    remove_pending_temporaries_at_exit();
    OutputFile late((root / "late.csv").string());  // waits here for the end
    late.stream() << "written after the cleanup\n";
    late.stream().flush();
    std::this_thread::sleep_for(std::chrono::seconds(30));
    ::_exit(0);
  }
  // The child either creates the temporary at once (the old behaviour) or never does.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  int status = 0;
  CHECK(::waitpid(child, &status, WNOHANG) == 0);  // still waiting for its end
  CHECK(entries() == 0);
  ::kill(child, SIGKILL);
  ::waitpid(child, &status, 0);
  CHECK(entries() == 0);
}
