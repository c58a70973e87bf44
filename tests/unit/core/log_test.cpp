#include "core/log.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace shop::log {
namespace {

// Reads what is in the pipe now.
std::string read_available(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

TEST(Log, ParseLevel) {
  EXPECT_EQ(parse_level("info"), spdlog::level::info);
  EXPECT_EQ(parse_level("warn"), spdlog::level::warn);
  EXPECT_EQ(parse_level("off"), spdlog::level::off);
  EXPECT_FALSE(parse_level("INFO").has_value());
  EXPECT_FALSE(parse_level("").has_value());
}

TEST(Log, LinesFromManyThreadsArriveWholeAndInOrderPerThread) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK), 0);
  ::fcntl(fds[1], F_SETFL, 0);  // the writer blocks, the test reader does not
  std::string text;
  {
    auto log = make_logger(spdlog::level::info, fds[1]);
    std::vector<std::thread> threads;
    std::jthread reader([&](std::stop_token st) {
      while (!st.stop_requested()) {
        text += read_available(fds[0]);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&log, t] {
        for (int i = 0; i < 2000; ++i)
          log->info("t={} i={}", t, i);
      });
    for (auto& th : threads)
      th.join();
    log.reset();  // the destructor writes what is left
    reader.request_stop();
  }
  text += read_available(fds[0]);
  ::close(fds[0]);
  ::close(fds[1]);
  std::vector<int> next(4, 0);
  std::size_t lines = 0, pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    ASSERT_NE(nl, std::string::npos);
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    auto t_at = line.find(" info t=");
    ASSERT_NE(t_at, std::string::npos) << line;
    EXPECT_EQ(line[4], '-');         // 2026-...
    EXPECT_EQ(line[t_at - 1], 'Z');  // UTC timestamp
    int t = line[t_at + 8] - '0';
    int i = std::stoi(line.substr(line.find(" i=") + 3));
    EXPECT_EQ(i, next[t]) << line;
    next[t] = i + 1;
    ++lines;
  }
  EXPECT_EQ(lines, 8000u);
}

TEST(Log, WarningsAreWrittenAtOnce) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK), 0);
  auto log = make_logger(spdlog::level::info, fds[1]);
  log->warn("disk is on fire");
  EXPECT_NE(read_available(fds[0]).find("warning disk is on fire"), std::string::npos);
  log.reset();
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace shop::log
