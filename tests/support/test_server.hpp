#pragma once

#include <spdlog/logger.h>

#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

#include "app/app.hpp"
#include "app/config.hpp"
#include "temp_dir.hpp"

namespace shop::test {

// The whole app, started in-process on 127.0.0.1 with a free port, SQLite in a temp folder and
// its log captured in memory. Extra environment variables override the defaults.
using Env = std::map<std::string, std::string>;

class TestServer {
 public:
  explicit TestServer(const std::map<std::string, std::string>& env = {}, app::AppHooks hooks = {});
  ~TestServer();

  std::uint16_t port() const { return app_->port(); }
  app::App& app() { return *app_; }
  const TempDir& dir() const { return dir_; }
  // Everything logged so far.
  std::string logs() const;
  // Begins a graceful shutdown and waits for it.
  void stop();

 private:
  TempDir dir_;
  std::shared_ptr<std::ostringstream> log_stream_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<app::App> app_;
  bool stopped_ = false;
};

}  // namespace shop::test
