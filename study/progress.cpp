#include "study/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

#include "common/units.hpp"

namespace chimera {
namespace {

void flush_stdout() {
  std::cout.flush();
  std::fflush(stdout);
}

// A terminal redraws more often, but still not at every op: formatting costs wall time.
constexpr double kTerminalRedrawS = 0.25;

}  // namespace

ProgressSettings& progress_settings() {
  static ProgressSettings settings;
  return settings;
}

std::string eta_text(double elapsed_s, double fraction_done) {
  if (!(fraction_done > 0)) return "ETA unknown";
  const double left = elapsed_s * (1 - fraction_done) / fraction_done;
  const long s = std::lround(std::max(0.0, left));
  if (s < 60) return fmt::format("ETA {} s", s);
  if (s < 3600) return fmt::format("ETA {} min {:02} s", s / 60, s % 60);
  return fmt::format("ETA {} h {:02} min", s / 3600, (s % 3600) / 60);
}

Progress::Progress(std::string what, double total)
    : what_(std::move(what)), total_(total), tty_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

Progress::~Progress() {
  if (drawn_ && tty_) {
    flush_stdout();
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
}

void Progress::update(double done, const std::string& detail) {
  const ProgressSettings& settings = progress_settings();
  if (!settings.enabled) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double since = std::chrono::duration<double>(now - last_).count();
  if (elapsed < settings.interval_s) return;  // short work stays silent
  if (drawn_ && since < (tty_ ? kTerminalRedrawS : settings.interval_s)) return;
  last_ = now;
  const double fraction = total_ > 0 ? std::min(1.0, done / total_) : 0.0;
  std::string line = fmt::format("{}: {:.0f}/{:.0f} ({:.1f}%){}{}, {} elapsed, {}", what_, done, total_, 100 * fraction,
                                 detail.empty() ? "" : ", ", detail, format_duration(elapsed), eta_text(elapsed, fraction));
  flush_stdout();
  if (tty_) fmt::print(stderr, "\r\033[K{}", line);
  else fmt::print(stderr, "{}\n", line);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace chimera
