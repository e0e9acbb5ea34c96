#include "common/input_error.hpp"

#include <fmt/format.h>

namespace chimera {
namespace {

std::string render(const SourceLocation& where, const std::string& key, const std::string& problem,
                   const std::string& valid) {
  std::string out;
  if (!where.file.empty()) {
    out += where.file;
    if (where.line > 0) out += fmt::format(":{}", where.line);
    if (where.column > 0) out += fmt::format(":{}", where.column);
    out += ": ";
  }
  if (!key.empty()) out += key + ": ";
  out += problem;
  if (!valid.empty()) out += fmt::format(" (valid: {})", valid);
  return out;
}

}  // namespace

InputError::InputError(SourceLocation where, std::string key, std::string problem, std::string valid)
    : std::runtime_error(render(where, key, problem, valid)),
      where_(std::move(where)),
      key_(std::move(key)),
      problem_(std::move(problem)),
      valid_(std::move(valid)) {}

InputError option_error(std::string option, std::string problem, std::string valid) {
  return InputError({}, std::move(option), std::move(problem), std::move(valid));
}

}  // namespace chimera
