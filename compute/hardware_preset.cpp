#include "compute/hardware_preset.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "common/embedded_files.hpp"
#include "common/input_error.hpp"
#include "common/text_file.hpp"
#include "common/toml_reader.hpp"

namespace chimera {

std::vector<std::string> hardware_preset_names() { return embedded_names("compute/presets", ".toml"); }

HardwarePreset parse_hardware_preset(std::string_view toml_text, const std::string& file_name) {
  TomlTable t = TomlTable::parse_string(toml_text, file_name);
  HardwarePreset p;
  p.name = t.require_string("name", "the preset's short name, e.g. \"a100\"");
  p.description = t.string("description").value_or("");
  p.source = t.string("source").value_or("");
  TomlTable roof = t.require_table("roofline", "[roofline] with peak_flops and memory_bandwidth");
  p.peak_flops = roof.require_number("peak_flops", "dense FP16/BF16 FLOP/s, e.g. 312e12");
  if (p.peak_flops <= 0) throw roof.error("peak_flops", "must be positive", "FLOP/s > 0");
  auto bw = roof.bandwidth("memory_bandwidth");
  if (!bw) throw roof.error("memory_bandwidth", "missing required key", "e.g. \"2039GBps\"");
  p.memory_bandwidth_Bps = *bw;
  p.memory_bytes = roof.bytes("memory").value_or(0);
  roof.reject_unknown_keys();
  t.reject_unknown_keys();
  return p;
}

HardwarePreset load_hardware_preset(std::string_view name_or_path) {
  std::string rel = fmt::format("compute/presets/{}.toml", name_or_path);
  if (auto text = find_embedded_file(rel)) return parse_hardware_preset(*text, rel);
  std::string path(name_or_path);
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return parse_hardware_preset(read_text_file(path, "preset"), path);
  std::string names;
  for (const auto& n : hardware_preset_names()) names += (names.empty() ? "" : ", ") + n;
  throw InputError({}, "preset", fmt::format("unknown hardware preset '{}'", name_or_path),
                   fmt::format("one of {} or a path to a preset TOML file", names));
}

}  // namespace chimera
