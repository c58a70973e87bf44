#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace shop::test {

// Runs the built shopd binary (or any program) with a given environment and working folder,
// capturing its output, for tests of the command line, exit codes and signals.
class Subprocess {
 public:
  Subprocess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
             const std::string& cwd);
  ~Subprocess();

  // Reads output until `text` shows up in stdout+stderr or the timeout passes.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout);
  void signal(int sig);
  // Waits for the exit; nullopt on timeout (the process is then killed).
  std::optional<int> wait(std::chrono::milliseconds timeout);
  const std::string& output() const { return output_; }

 private:
  void drain(int timeout_ms);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string output_;
  bool exited_ = false;
};

// Runs to completion; returns the exit code (or -1 on timeout) and the output.
struct RunResult {
  int exit_code;
  std::string output;
};
RunResult run_shopd(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env, const std::string& cwd);

}  // namespace shop::test
