#include "seed.hpp"

#include <cstdio>

#include "auth/access_token.hpp"
#include "auth/refresh_token_store.hpp"
#include "auth/user_store.hpp"
#include "catalog/product_store.hpp"
#include "core/clock.hpp"
#include "core/digest.hpp"
#include "core/ids.hpp"

namespace shop::test {

Seeder::Account Seeder::account(const std::string& email, const std::string& role) {
  SystemClock clock;
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
  auth::User u;
  u.id = new_id();
  u.email = email;
  u.name = "User " + email.substr(0, email.find('@'));
  u.password_hash = "not-a-hash";
  u.role = role;
  u.created_at = u.updated_at = 1;
  std::string session = new_id();
  auto lease = db_.acquire();
  auth::UserStore().insert(lease, u);
  auth::RefreshTokenStore().insert(
      lease,
      auth::RefreshToken{new_id(), session, u.id, now, now + 30LL * 24 * 3600 * 1000, {}, {}},
      sha256_hex(random_hex(32)));
  auth::AccessTokens tokens(secret_, token_ttl_, clock);
  return Account{u.id,
                 session,
                 {{"Authorization", "Bearer " + tokens.issue(u.id, session)},
                  {"Content-Type", "application/json"}}};
}

std::string Seeder::product(const std::string& name, Cents price, std::int64_t stock) {
  catalog::Product p;
  // Ids in creation order, as ties between equal timestamps (a cart's lines) are broken by id.
  char counter[13];
  std::snprintf(counter, sizeof counter, "%012llx", static_cast<unsigned long long>(products_ + 1));
  p.id = id_prefix_ + counter;
  p.name = name;
  p.description = "";
  p.price = price;
  p.category = "C";
  p.stock = stock;
  p.created_at = p.updated_at = ++products_;
  auto lease = db_.acquire();
  catalog::ProductStore().insert(lease, p);
  return p.id;
}

std::int64_t Seeder::stock(const std::string& product_id) {
  auto lease = db_.acquire();
  return catalog::ProductStore().find(lease, product_id)->stock;
}

std::int64_t Seeder::count(const std::string& sql) {
  auto lease = db_.acquire();
  return lease.execute(sql).front().get_int(0);
}

}  // namespace shop::test
