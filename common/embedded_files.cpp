#include "common/embedded_files.hpp"

#include <algorithm>

namespace chimera {

std::optional<std::string_view> find_embedded_file(std::string_view path) {
  for (const auto& f : embedded_files())
    if (path == f.path) return std::string_view(f.content);
  return std::nullopt;
}

std::vector<std::string> embedded_names(std::string_view directory, std::string_view extension) {
  std::vector<std::string> names;
  for (const auto& f : embedded_files()) {
    std::string_view p(f.path);
    if (p.size() <= directory.size() + 1 || p.substr(0, directory.size()) != directory ||
        p[directory.size()] != '/')
      continue;
    std::string_view rest = p.substr(directory.size() + 1);
    if (rest.find('/') != std::string_view::npos) continue;
    if (rest.size() <= extension.size() || rest.substr(rest.size() - extension.size()) != extension)
      continue;
    names.emplace_back(rest.substr(0, rest.size() - extension.size()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace chimera
