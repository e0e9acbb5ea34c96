#pragma once
// Errors in what the user gave us (files, flags, values). Reported as one line naming the
// file, line, key, what is wrong and what would be valid; the process exits with code 2.
#include <stdexcept>
#include <string>

namespace chimera {

inline constexpr int kExitInputError = 2;

struct SourceLocation {
  std::string file;  // empty when the value came from the command line
  int line = 0;      // 0 when unknown
  int column = 0;
};

class InputError : public std::runtime_error {
 public:
  InputError(SourceLocation where, std::string key, std::string problem, std::string valid = {});

  const SourceLocation& where() const { return where_; }
  const std::string& key() const { return key_; }
  const std::string& problem() const { return problem_; }
  const std::string& valid() const { return valid_; }

 private:
  SourceLocation where_;
  std::string key_, problem_, valid_;
};

// Shorthand for errors about a command-line option ("--rank").
InputError option_error(std::string option, std::string problem, std::string valid = {});

}  // namespace chimera
