#include "experiments/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace tabrl {

void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write, bool durable) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  try {
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      if (!out) throw std::runtime_error("cannot write '" + path + "'");
      write(out);
      out.flush();
      if (!out) throw std::runtime_error("error while writing '" + path + "'");
    }
    const int descriptor = durable ? ::open(temporary.c_str(), O_RDONLY) : -1;
    if (descriptor >= 0) {
      ::fsync(descriptor);
      ::close(descriptor);
    }
    std::filesystem::rename(temporary, path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw;
  }
}

}  // namespace tabrl
