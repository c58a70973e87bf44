#pragma once

#include <memory>

#include "app/config.hpp"

namespace shop::auth {
class AuthService;
}

namespace shop::app {

// The accounts service outside the server, for command-line commands (create-admin): its own
// database handle (migrated), password hasher and token signer.
class AccountsTool {
 public:
  explicit AccountsTool(const Config& config);
  ~AccountsTool();
  auth::AuthService& service();

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace shop::app
