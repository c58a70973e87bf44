#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
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

// Starts `shopd serve` with env (HOST=127.0.0.1, PORT=0 and LOG_LEVEL=info are added: the start
// line says the port) and waits until it listens; port receives the port. Adds a test failure
// and returns the process anyway (port 0) when it does not start within 20 s.
std::unique_ptr<Subprocess> start_shopd_serve(std::map<std::string, std::string> env,
                                              const std::string& cwd, std::uint16_t& port);

}  // namespace shop::test
