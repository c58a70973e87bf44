#include "redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <thread>

#include "ports.hpp"

namespace shop::test {

std::string redis_test_url() {
  const char* url = std::getenv("SHOPD_TEST_REDIS_URL");
  return url != nullptr ? url : "";
}

std::string unique_redis_prefix() {
  std::random_device random;
  return "test" + std::to_string(random()) + std::to_string(random()) + ":";
}

RedisServer::RedisServer() {
  const char* program = std::getenv("SHOPD_TEST_REDIS_SERVER");
  if (program == nullptr || *program == '\0') return;
  program_ = program;
  port_ = free_loopback_port();
  start();
}

std::string RedisServer::url() const {
  return "redis://127.0.0.1:" + std::to_string(port_);
}

void RedisServer::start() {
  using namespace std::chrono_literals;
  process_.reset();
  for (int attempt = 0; attempt < 50; ++attempt) {
    process_ = std::make_unique<Subprocess>(
        std::vector<std::string>{program_, "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                 "--save", "", "--appendonly", "no", "--daemonize", "no"},
        std::map<std::string, std::string>{}, "/");
    if (process_->wait_for_output("Ready to accept connections", 5s)) return;
    process_.reset();  // the port may still be held by the killed one: try again shortly
    std::this_thread::sleep_for(100ms);
  }
  throw std::runtime_error("redis-server did not start on port " + std::to_string(port_));
}

void RedisServer::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait(std::chrono::seconds(5));
  process_.reset();
}

void RedisServer::pause() {
  if (process_) process_->signal(SIGSTOP);
}

void RedisServer::resume() {
  if (process_) process_->signal(SIGCONT);
}

}  // namespace shop::test
