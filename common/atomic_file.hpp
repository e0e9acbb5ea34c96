#pragma once
// Output files are written to a temporary name in the same directory and renamed into
// place, so that a crash or kill never leaves a partial file behind.
#include <string>
#include <string_view>

namespace chimera {

// Throws InputError (naming `what`, e.g. "[output] json") if the file cannot be written.
void write_file_atomically(const std::string& path, std::string_view content, std::string_view what);

}  // namespace chimera
