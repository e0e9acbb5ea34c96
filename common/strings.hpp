#pragma once
// ASCII case folding for names that users may write in any case (presets, dataflows, GPU
// types, pair names).
#include <cctype>
#include <string>
#include <string_view>

namespace chimera {

inline std::string to_lower(std::string_view text) {
  std::string s(text);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

inline std::string to_upper(std::string_view text) {
  std::string s(text);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace chimera
