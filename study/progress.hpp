#pragma once
// Progress of long work on stderr: how much is done, the simulated time reached, the wall time
// left. On a terminal one line is redrawn in place; otherwise (a log file, a pipe) at most one
// line every interval. Nothing is printed for work that ends within the first interval, so short
// commands stay silent. stdout is flushed before every write, so the two never interleave
// mid-line. Results never depend on it: it only reads clocks and counters.
#include <chrono>
#include <string>

namespace chimera {

struct ProgressSettings {
  bool enabled = true;  // --quiet turns it off; so do parallel workers and the Python module
  // Seconds between lines when stderr is not a terminal; also the delay before the first line.
  double interval_s = 5.0;
};
ProgressSettings& progress_settings();

// "ETA 1 min 05 s" from the elapsed wall time and the fraction done (0 < done <= 1).
std::string eta_text(double elapsed_s, double fraction_done);

class Progress {
 public:
  // `what` starts every line ("run", "sweep"); `total` is the amount of work (ops, points).
  Progress(std::string what, double total);
  ~Progress();  // erases the redrawn line on a terminal
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `done` of `total`; `detail` adds what is special to the work ("simulated 1.2 s").
  void update(double done, const std::string& detail = {});

 private:
  std::string what_;
  double total_;
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace chimera
