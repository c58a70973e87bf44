#include "core/log.hpp"

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace shop::log {
namespace {

// Collects formatted lines and writes them to a file descriptor in large writes, so that an
// access log line per request costs no system call.
class BufferedFdSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit BufferedFdSink(int fd) : fd_(fd), flusher_([this](std::stop_token st) { run(st); }) {}
  ~BufferedFdSink() override {
    flusher_.request_stop();
    flusher_.join();
    std::lock_guard lock(mutex_);
    write_out();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    buffer_.append(formatted.data(), formatted.size());
    if (buffer_.size() >= kHighWater || msg.level >= spdlog::level::warn) write_out();
  }
  void flush_() override { write_out(); }

 private:
  static constexpr std::size_t kHighWater = 64 * 1024;

  void write_out() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
      ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n <= 0) break;  // a closed or broken output loses log lines, never the process
      done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
  }

  void run(std::stop_token st) {
    std::mutex m;
    std::unique_lock lock(m);
    while (!st.stop_requested()) {
      wake_.wait_for(lock, st, std::chrono::milliseconds(200), [] { return false; });
      flush();
    }
  }

  int fd_;
  std::string buffer_;
  std::condition_variable_any wake_;
  std::jthread flusher_;
};

}  // namespace

std::optional<spdlog::level::level_enum> parse_level(std::string_view name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "info") return spdlog::level::info;
  if (name == "warn" || name == "warning") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  if (name == "off" || name == "silent") return spdlog::level::off;
  return std::nullopt;
}

std::shared_ptr<spdlog::logger> make_logger(spdlog::level::level_enum level) {
  auto sink = std::make_shared<BufferedFdSink>(STDOUT_FILENO);
  sink->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %l %v",
                                                                  spdlog::pattern_time_type::utc));
  auto logger = std::make_shared<spdlog::logger>("shopd", std::move(sink));
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  return logger;
}

}  // namespace shop::log
