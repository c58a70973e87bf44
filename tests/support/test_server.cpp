#include "test_server.hpp"

#include <spdlog/sinks/ostream_sink.h>

namespace shop::test {

TestServer::TestServer(const std::map<std::string, std::string>& env, app::AppHooks hooks)
    : log_stream_(std::make_shared<std::ostringstream>()) {
  std::map<std::string, std::string> values = {
      {"HOST", "127.0.0.1"},
      {"PORT", "0"},
      {"DATABASE_URL", "sqlite://" + dir_.str() + "/shopd.db"},
      {"MEDIA_DIR", dir_.str() + "/media"},
      {"WORKER_THREADS", "4"},
      {"IO_THREADS", "2"},
      {"LOG_LEVEL", "info"},
  };
  for (const auto& [k, v] : env)
    values[k] = v;
  app::Config config = app::load_config(app::Environment(values));
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*log_stream_);
  log_ = std::make_shared<spdlog::logger>("test", sink);
  log_->set_level(config.log_level);
  app_ = std::make_unique<app::App>(config, log_, std::move(hooks));
  app_->start();
}

TestServer::~TestServer() {
  stop();
}

void TestServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  app_->shutdown();
  app_->wait();
}

std::string TestServer::logs() const {
  log_->flush();
  return log_stream_->str();
}

}  // namespace shop::test
