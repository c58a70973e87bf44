#include "subprocess.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <stdexcept>

namespace shop::test {

Subprocess::Subprocess(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>& env, const std::string& cwd) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env)
    env_strings.push_back(k + "=" + v);
  std::vector<char*> c_argv, c_env;
  for (const auto& a : argv)
    c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  for (auto& e : env_strings)
    c_env.push_back(e.data());
  c_env.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    if (::chdir(cwd.c_str()) != 0) ::_exit(127);
    ::execve(c_argv[0], c_argv.data(), c_env.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  out_fd_ = fds[0];
}

Subprocess::~Subprocess() {
  if (!exited_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
}

void Subprocess::drain(int timeout_ms) {
  pollfd p{out_fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return;
  char buf[4096];
  ssize_t n = ::read(out_fd_, buf, sizeof buf);
  if (n > 0) output_.append(buf, static_cast<std::size_t>(n));
}

bool Subprocess::wait_for_output(const std::string& text, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (output_.find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    drain(50);
  }
  return true;
}

void Subprocess::signal(int sig) {
  ::kill(pid_, sig);
}

std::optional<int> Subprocess::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      for (int i = 0; i < 20; ++i)
        drain(10);
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      exited_ = true;
      return std::nullopt;
    }
    drain(20);
  }
}

RunResult run_shopd(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env, const std::string& cwd) {
  std::vector<std::string> argv = {SHOPD_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  Subprocess p(argv, env, cwd);
  auto code = p.wait(std::chrono::seconds(30));
  return {code.value_or(-1), p.output()};
}

std::unique_ptr<Subprocess> start_shopd_serve(std::map<std::string, std::string> env,
                                              const std::string& cwd, std::uint16_t& port) {
  env["HOST"] = "127.0.0.1";
  env["PORT"] = "0";
  env["LOG_LEVEL"] = "info";
  auto p = std::make_unique<Subprocess>(std::vector<std::string>{SHOPD_BINARY, "serve"}, env, cwd);
  port = 0;
  if (!p->wait_for_output("listening on", std::chrono::seconds(20))) {
    ADD_FAILURE() << "shopd did not start: " << p->output();
    return p;
  }
  std::smatch m;
  std::string out = p->output();
  if (std::regex_search(out, m, std::regex(R"(listening on http://127\.0\.0\.1:(\d+))")))
    port = static_cast<std::uint16_t>(std::stoi(m[1]));
  else
    ADD_FAILURE() << "no port in the start line: " << out;
  return p;
}

}  // namespace shop::test
