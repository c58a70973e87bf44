#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <vector>

#include "app/config.hpp"

namespace shop::app {

enum class Command { serve, migrate, create_admin, seed_demo, help, version };

struct CommandLine {
  Command command = Command::serve;
  std::vector<std::string> args;  // what follows the command
};

// Exit codes: 0 done, 1 failed (bad configuration, unreachable database...), 2 bad usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// argv (without the program name) → command; throws std::invalid_argument with a usage message.
CommandLine parse_command_line(std::span<const std::string> argv);

std::string usage_text();

// Runs the command with this environment; messages go to out/err. Returns the exit code.
int run_command(const CommandLine& cli, const Environment& env, std::ostream& out,
                std::ostream& err);

}  // namespace shop::app
