#include "cli/playground_prompt.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "common/input_error.hpp"

namespace chimera {

namespace {
std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}
}  // namespace

Prompter::Prompter(std::istream& in, std::ostream& out) : in_(in), out_(out), echo_(!isatty(STDIN_FILENO)) {}

std::string Prompter::text(const std::string& question, const std::string& fallback, const Check& check) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    out_ << fmt::format("{} [{}]: ", question, fallback) << std::flush;
    std::string answer;
    if (!at_end_ && std::getline(in_, answer)) {
      answer = trim(answer);
      if (echo_) out_ << answer << "\n";
    } else {
      at_end_ = true;
      out_ << "(end of input: the default)\n";
    }
    if (answer.empty()) answer = fallback;
    const std::string problem = check(answer);
    if (problem.empty()) return answer;
    out_ << fmt::format("  ! '{}': {}\n", answer, problem);
    if (at_end_) break;
  }
  throw InputError({"stdin"}, question, "no valid answer", check(fallback).empty() ? fallback : "see the questions above");
}

long Prompter::integer(const std::string& question, long fallback, long min, long max,
                       const std::function<std::string(long)>& check) {
  std::string a = text(question, std::to_string(fallback), [&](const std::string& s) -> std::string {
    std::size_t used = 0;
    long v = 0;
    try {
      v = std::stol(s, &used);
    } catch (const std::exception&) {
      return "not a whole number";
    }
    if (used != s.size()) return "not a whole number";
    if (v < min || v > max) return fmt::format("outside {} to {}", min, max);
    return check ? check(v) : "";
  });
  return std::stol(a);
}

int Prompter::integer_in(const std::string& question, int fallback, const std::vector<int>& allowed) {
  std::string list;
  for (int v : allowed) list += (list.empty() ? "" : ", ") + std::to_string(v);
  return static_cast<int>(integer(fmt::format("{} ({})", question, list), fallback, allowed.front(), allowed.back(),
                                  [&](long v) -> std::string {
                                    return std::count(allowed.begin(), allowed.end(), v) ? "" : "choose one of " + list;
                                  }));
}

double Prompter::quantity(const std::string& question, const std::string& fallback, double (*parse)(std::string_view)) {
  std::string a = text(question, fallback, [&](const std::string& s) -> std::string {
    try {
      return parse(s) > 0 ? "" : "must be positive";
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
  });
  return parse(a);
}

bool Prompter::yes_no(const std::string& question, bool fallback) {
  std::string a = text(question, fallback ? "y" : "n", [](const std::string& s) -> std::string {
    return s == "y" || s == "yes" || s == "n" || s == "no" ? "" : "answer y or n";
  });
  return a == "y" || a == "yes";
}

}  // namespace chimera
