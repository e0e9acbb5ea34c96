// Hardware preset TOML (compute/hardware_preset.cpp). An accepted preset must also cost a GEMM
// and a memory-bound kernel in every compute model: a finite, non-negative number of seconds,
// or an InputError (a preset the parser lets through but the models reject is a finding).
#include <cmath>
#include <fmt/format.h>

#include "compute/cost_model.hpp"
#include "fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chimera;
  fuzz::expect_clean([&] {
    HardwarePreset p = parse_hardware_preset(fuzz::text(data, size), "preset.toml");
    for (const std::string& name : compute_model_names()) {
      // Every caller asks for the gpu model only with a [gpu] table and says where otherwise
      // (cli/scenario_file.cpp, the gemm / kernel / layer flags): not a parser finding.
      if (name == "gpu" && !p.gpu) continue;
      auto model = make_cost_model(name, p);
      for (double s : {model->gemm_seconds(4096, 4096, 4096, 1, 2), model->gemm_seconds(1, 1, 1, 1, 2),
                       model->elementwise_seconds(1 << 20), model->reduction_seconds(1 << 20)})
        if (!std::isfinite(s) || s < 0)
          fuzz::finding("a preset the parser accepts gives a kernel time that is not a finite number >= 0",
                        fmt::format("{} model: {}", name, s));
    }
  });
  return 0;
}
