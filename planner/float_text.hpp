#pragma once
// Doubles as text that reads back to the same bits: the shortest round-trip digits
// (std::to_chars), either as C++ prints them or laid out as Python's repr() does, so files
// written here match files written by the reference's Python tools byte for byte.
#include <string>

namespace chimera::metis {

// std::to_chars shortest form: "1793.600994348526", "1e+16".
std::string shortest(double v);

// Python repr(float): same digits, fixed notation when the decimal exponent is in [-4, 16),
// otherwise "1e-05" / "1.5e+16"; integral values keep ".0".
std::string python_repr(double v);

}  // namespace chimera::metis
