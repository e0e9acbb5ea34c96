#pragma once
// Runs the real chimera-sim binary and captures its stdout, stderr and exit code.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace chimera::test {

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh temporary directory per call, removed by the caller when it wants.
inline std::string temp_dir() {
  char tmpl[] = "/tmp/chimera-test-XXXXXX";
  const char* d = mkdtemp(tmpl);
  return d ? d : "/tmp";
}

// `args` is passed through the shell: quote what needs quoting. Runs from the source dir so
// that relative paths such as scenarios/default.toml resolve. `stdin_text` feeds stdin.
inline CliResult run_cli(const std::string& args, const std::string& stdin_text = "") {
  std::string dir = temp_dir();
  std::string out = dir + "/out", err = dir + "/err", in = dir + "/in";
  { std::ofstream(in) << stdin_text; }
  std::string cmd = "cd '" CHIMERA_SOURCE_DIR "' && '" CHIMERA_BIN "' " + args + " <'" + in + "' >'" + out + "' 2>'" + err + "'";
  int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  std::filesystem::remove_all(dir);
  return r;
}

inline std::string source_path(const std::string& rel) { return std::string(CHIMERA_SOURCE_DIR) + "/" + rel; }

}  // namespace chimera::test
