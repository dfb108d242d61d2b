// Text helpers shared by the readers: tokens shown in messages, the byte order mark, and opening
// input files (a directory or a missing file is named as such).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <tabrl/core/error.hpp>
#include <tabrl/core/text.hpp>

#include "helpers.hpp"

using namespace tabrl;

TEST_CASE("tokens in messages show invisible bytes escaped") {
  CHECK(quote_token("s1") == "'s1'");
  CHECK(quote_token("") == "''");
  CHECK(quote_token("\xEF\xBB\xBFs1") == "'\\xEF\\xBB\\xBFs1'");  // a byte order mark
  CHECK(quote_token("a\xE2\x80\x8B"
                    "b") == "'a\\xE2\\x80\\x8Bb'");  // a zero-width space
  CHECK(quote_token("tab\there") == "'tab\\x09here'");
  CHECK(quote_token("nbsp\xC2\xA0x") == "'nbsp\\xC2\\xA0x'");
  CHECK(quote_token("bad\xFFutf8\xC3") == "'bad\\xFFutf8\\xC3'");  // invalid and truncated UTF-8
  CHECK(quote_token("back\\slash") == "'back\\\\slash'");
  // Visible UTF-8 stays as it is.
  CHECK(quote_token("caf\xC3\xA9") == "'caf\xC3\xA9'");
  CHECK(printable_token("key\x01") == "key\\x01");
}

TEST_CASE("long tokens are cut to 60 characters and say how long they were") {
  const std::string sixty(60, 'a');
  CHECK(quote_token(sixty) == "'" + sixty + "'");
  const std::string huge(52'000'000, 'x');
  CHECK(quote_token(huge) == "'" + std::string(57, 'x') + "...' (52000000 bytes)");
  CHECK(printable_token(huge) == std::string(57, 'x') + "... (52000000 bytes)");
  // An escape is never split by the cut: 14 escapes of 4 characters fit in 57.
  std::string escapes;
  for (int i = 0; i < 14; ++i) escapes += "\\x01";
  CHECK(quote_token(std::string(100, '\x01')) == "'" + escapes + "...' (100 bytes)");
  // Characters count as they print: 40 two-byte characters fit, 70 are cut after 57.
  std::string accents;
  for (int i = 0; i < 70; ++i) accents += "\xC3\xA9";
  CHECK(quote_token(accents.substr(0, 80)) == "'" + accents.substr(0, 80) + "'");
  CHECK(quote_token(accents) == "'" + accents.substr(0, 114) + "...' (140 bytes)");
}

TEST_CASE("a leading byte order mark is dropped, nothing else") {
  CHECK(without_byte_order_mark("\xEF\xBB\xBFgamma = 0.9") == "gamma = 0.9");
  CHECK(without_byte_order_mark("gamma = 0.9") == "gamma = 0.9");
  CHECK(without_byte_order_mark("\xEF\xBB") == "\xEF\xBB");
  CHECK(without_byte_order_mark("x\xEF\xBB\xBF") == "x\xEF\xBB\xBF");
}

TEST_CASE("input files: a directory, a missing file and a dangling link are named as such") {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / "tabrl_text_test";
  fs::remove_all(root);
  fs::create_directories(root / "x.toml");
  const std::string directory = (root / "x.toml").string();
  CHECK(testing::input_error_of([&] { read_text_file(directory); }) ==
        directory + ": is a directory");
  CHECK(testing::input_error_of([&] { open_input_file(directory); }) ==
        directory + ": is a directory");
  const std::string missing = (root / "none.toml").string();
  CHECK(testing::input_error_of([&] { read_text_file(missing); }) == missing + ": no such file");
  // A symbolic link to nothing says so, naming its target.
  const std::string dangling = (root / "link.toml").string();
  fs::create_symlink(root / "gone.toml", dangling);
  CHECK(testing::input_error_of([&] { read_text_file(dangling); }) ==
        dangling + ": a symbolic link to '" + (root / "gone.toml").string() +
            "', which does not exist");
  std::ofstream(root / "text.csv") << "\xEF\xBB\xBFhello\n";
  CHECK(read_text_file((root / "text.csv").string()) ==
        "\xEF\xBB\xBFhello\n");  // bytes as they are
  fs::remove_all(root);
}
