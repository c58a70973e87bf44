#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "subprocess.hpp"

namespace shop::test {

// The shared Redis server tests may use (scripts/test.sh starts one); "" when there is none.
std::string redis_test_url();
// A key prefix of its own for one test, so tests sharing a Redis never see each other's keys.
std::string unique_redis_prefix();

// A private redis-server on a free loopback port, for tests that stop, pause and restart it
// (the shared one must stay up for everyone else). The program is SHOPD_TEST_REDIS_SERVER
// (scripts/test.sh sets it); without it available() is false.
class RedisServer {
 public:
  RedisServer();
  bool available() const { return !program_.empty(); }
  std::string url() const;
  // (Re)starts it on the same port and waits until it accepts connections.
  void start();
  void kill();    // SIGKILL, as a crash would
  void pause();   // SIGSTOP: connections stay open but nothing answers (a hung server)
  void resume();  // SIGCONT

 private:
  std::string program_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace shop::test
