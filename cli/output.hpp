#pragma once
// Results go to stdout (text, or one JSON object with --json); diagnostics and wall-clock
// times go to stderr, so results stay byte-identical between runs.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace chimera {

void print_json(const nlohmann::json& j);
// Before anything goes to stderr: stdout's buffered text first, so the two never mix mid-line.
void flush_stdout();

// Prints "<what>: wall time 0.123 s" on stderr when destroyed, unless an exception is unwinding.
class WallClock {
 public:
  explicit WallClock(std::string what);
  ~WallClock();
  double seconds() const;

 private:
  std::string what_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace chimera
