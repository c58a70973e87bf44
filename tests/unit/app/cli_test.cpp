#include "app/cli.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace shop::app {
namespace {

CommandLine parse(std::vector<std::string> args) {
  return parse_command_line(args);
}

TEST(CommandLine, DefaultIsServe) {
  EXPECT_EQ(parse({}).command, Command::serve);
}

TEST(CommandLine, KnownCommands) {
  EXPECT_EQ(parse({"serve"}).command, Command::serve);
  EXPECT_EQ(parse({"migrate"}).command, Command::migrate);
  EXPECT_EQ(parse({"--help"}).command, Command::help);
  EXPECT_EQ(parse({"-h"}).command, Command::help);
  EXPECT_EQ(parse({"--version"}).command, Command::version);
  auto admin = parse({"create-admin", "--email", "a@b.c", "--password", "x"});
  EXPECT_EQ(admin.command, Command::create_admin);
  EXPECT_EQ(admin.args.size(), 4u);
  EXPECT_EQ(parse({"seed-demo", "--products", "10"}).command, Command::seed_demo);
}

TEST(CommandLine, UnknownCommandsAndStrayArgumentsAreUsageErrors) {
  EXPECT_THROW(parse({"start"}), std::invalid_argument);
  EXPECT_THROW(parse({"--port", "80"}), std::invalid_argument);
  EXPECT_THROW(parse({"serve", "--port"}), std::invalid_argument);
  EXPECT_THROW(parse({"migrate", "now"}), std::invalid_argument);
}

TEST(CommandLine, HelpPrintsEveryCommand) {
  std::ostringstream out, err;
  EXPECT_EQ(run_command(parse({"--help"}), Environment(), out, err), kExitOk);
  for (const char* c : {"serve", "migrate", "create-admin", "seed-demo", "--help"})
    EXPECT_NE(out.str().find(c), std::string::npos) << c;
}

TEST(CommandLine, BadConfigIsExit1WithOneLine) {
  std::ostringstream out, err;
  Environment env(std::map<std::string, std::string>{{"PORT", "x"}});
  EXPECT_EQ(run_command(parse({"serve"}), env, out, err), kExitFailure);
  std::string text = err.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
}

}  // namespace
}  // namespace shop::app
