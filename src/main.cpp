#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/cli.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  shop::app::CommandLine cli;
  try {
    cli = shop::app::parse_command_line(args);
  } catch (const std::invalid_argument& e) {
    std::cerr << "shopd: " << e.what() << "\n"
              << "usage: shopd [serve | migrate | create-admin | seed-demo | --help]\n";
    return shop::app::kExitUsage;
  }
  try {
    return shop::app::run_command(cli, shop::app::Environment::from_process(), std::cout,
                                  std::cerr);
  } catch (const shop::app::ConfigError& e) {  // a malformed .env file
    std::cerr << "shopd: " << e.what() << "\n";
    return shop::app::kExitFailure;
  }
}
