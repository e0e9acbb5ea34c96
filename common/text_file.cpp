#include "common/text_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/input_error.hpp"

namespace chimera {

std::string read_text_file(const std::string& path, std::string_view what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw InputError({path}, std::string(what), "file not found", "a path to an existing file");
  if (std::filesystem::is_directory(path, ec))
    throw InputError({path}, std::string(what), "is a directory, not a file", "a path to a file");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw InputError({path}, std::string(what), fmt::format("cannot read: {}", std::strerror(errno)));
  std::string text;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return text;
}

}  // namespace chimera
