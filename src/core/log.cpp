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

// Collects formatted lines and lets a background thread write them in large writes, so that an
// access log line per request costs no system call and a slow log reader never blocks an I/O
// thread. If the output stalls, lines beyond kMaxBuffered are dropped and counted.
class BufferedFdSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit BufferedFdSink(int fd) : fd_(fd), writer_([this](std::stop_token st) { run(st); }) {}
  ~BufferedFdSink() override {
    writer_.request_stop();
    writer_.join();
    std::lock_guard lock(mutex_);
    flush_();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    if (buffer_.size() + formatted.size() > kMaxBuffered) {
      ++dropped_;
      return;
    }
    buffer_.append(formatted.data(), formatted.size());
    if (buffer_.size() >= kHighWater) wake_.notify_one();
  }

  // Explicit flushes (warnings, errors, shutdown) write at once, after what the writer holds.
  void flush_() override {
    std::lock_guard write_lock(write_mutex_);
    note_dropped();
    write_all(buffer_);
    buffer_.clear();
  }

 private:
  static constexpr std::size_t kHighWater = 64 * 1024;
  static constexpr std::size_t kMaxBuffered = 16 * 1024 * 1024;

  void note_dropped() {
    if (dropped_ == 0) return;
    buffer_.insert(0, fmt::format("log: {} lines dropped, output too slow\n", dropped_));
    dropped_ = 0;
  }

  void write_all(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n <= 0) break;  // a closed or broken output loses log lines, never the process
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  void run(std::stop_token st) {
    std::string pending;
    while (!st.stop_requested()) {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, st, std::chrono::milliseconds(200),
                     [this] { return buffer_.size() >= kHighWater; });
      note_dropped();
      pending.swap(buffer_);
      // Take the write lock before letting go of the buffer, so lines keep their order.
      std::lock_guard write_lock(write_mutex_);
      lock.unlock();
      write_all(pending);
      pending.clear();
    }
  }

  int fd_;
  std::string buffer_;
  std::size_t dropped_ = 0;
  std::mutex write_mutex_;
  std::condition_variable_any wake_;
  std::jthread writer_;
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

std::shared_ptr<spdlog::logger> make_logger(spdlog::level::level_enum level, int fd) {
  auto sink = std::make_shared<BufferedFdSink>(fd);
  sink->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %l %v",
                                                                  spdlog::pattern_time_type::utc));
  auto logger = std::make_shared<spdlog::logger>("shopd", std::move(sink));
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  return logger;
}

}  // namespace shop::log
