#pragma once
// Minimal RFC 4180 CSV: quoting on write, splitting on read.
#include <string>
#include <vector>

namespace chimera {

std::string csv_field(const std::string& value);               // quoted when needed
std::string csv_line(const std::vector<std::string>& fields);  // with the trailing newline
std::vector<std::string> csv_split(const std::string& line);   // one line, no newline

// A number as the shortest text that reads back to the same double.
std::string csv_number(double v);

}  // namespace chimera
