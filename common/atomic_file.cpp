#include "common/atomic_file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/input_error.hpp"

namespace chimera {

void write_file_atomically(const std::string& path, std::string_view content, std::string_view what) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.parent_path();
  std::error_code ec;
  if (!dir.empty() && !fs::is_directory(dir, ec))
    throw InputError({}, std::string(what), fmt::format("cannot write '{}': directory '{}' does not exist", path, dir.string()),
                     "a path in an existing directory");
  std::string tmp = fmt::format("{}.tmp.{}", path, static_cast<long>(getpid()));
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f)
    throw InputError({}, std::string(what), fmt::format("cannot write '{}': {}", path, std::strerror(errno)),
                     "a writable path");
  bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  ok = (std::fflush(f) == 0) && ok;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    throw InputError({}, std::string(what), fmt::format("cannot write '{}': {}", path, std::strerror(err)),
                     "a writable path");
  }
}

}  // namespace chimera
