#pragma once
#include <string>
#include <string_view>

namespace chimera {

// Whole content of a file; a missing or unreadable file is an InputError naming `what`.
std::string read_text_file(const std::string& path, std::string_view what);

}  // namespace chimera
