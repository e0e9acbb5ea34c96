#pragma once
// Questions and answers for the playground: one answer per line, an empty line takes the
// default, an invalid answer is explained and asked again (five times at most), the end of
// input takes the defaults. When stdin is not a terminal the answers are echoed, so a scripted
// session reads like a typed one.
#include <functional>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace chimera {

class Prompter {
 public:
  // Returns "" when an answer is valid, else what is wrong with it.
  using Check = std::function<std::string(const std::string&)>;

  Prompter(std::istream& in, std::ostream& out);

  std::string text(const std::string& question, const std::string& fallback, const Check& check);
  long integer(const std::string& question, long fallback, long min, long max,
               const std::function<std::string(long)>& check = {});
  int integer_in(const std::string& question, int fallback, const std::vector<int>& allowed);
  // `parse` throws std::invalid_argument for a bad quantity ("25GBps", "1us").
  double quantity(const std::string& question, const std::string& fallback, double (*parse)(std::string_view));
  bool yes_no(const std::string& question, bool fallback);

 private:
  std::istream& in_;
  std::ostream& out_;
  bool echo_;
  bool at_end_ = false;
};

}  // namespace chimera
