// The accounts tables on every backend: users and refresh-token families.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "auth/refresh_token_store.hpp"
#include "auth/user_store.hpp"
#include "core/ids.hpp"
#include "storage/migrator.hpp"
#include "storage/transaction.hpp"
#include "store_fixture.hpp"

namespace shop::storage::store_test {
namespace {

using auth::RefreshToken;
using auth::RefreshTokenStore;
using auth::User;
using auth::UserStore;

class AccountsStore : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    Migrator(*db_).apply();
  }

  User make_user(std::string email, std::string role = "user") {
    return User{new_id(),        std::move(email), "Ada", "$argon2id$fake",
                std::move(role), std::nullopt,     1000,  1000};
  }

  RefreshToken make_token(const std::string& user_id, const std::string& family) {
    return RefreshToken{new_id(), family, user_id, 1000, 9000, std::nullopt, std::nullopt};
  }

  UserStore users_;
  RefreshTokenStore tokens_;
};

TEST_P(AccountsStore, User_InsertAndFindByIdAndEmail) {
  auto lease = db_->acquire();
  User u = make_user("ada@example.com");
  u.avatar_url = "http://x/media/a.webp";
  users_.insert(lease, u);
  auto by_id = users_.find_by_id(lease, u.id);
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->email, "ada@example.com");
  EXPECT_EQ(by_id->role, "user");
  EXPECT_EQ(by_id->avatar_url, "http://x/media/a.webp");
  EXPECT_EQ(by_id->created_at, 1000);
  EXPECT_EQ(users_.find_by_email(lease, "ada@example.com")->id, u.id);
  EXPECT_FALSE(users_.find_by_email(lease, "nobody@example.com"));
  EXPECT_FALSE(users_.find_by_id(lease, "not-an-id"));
}

TEST_P(AccountsStore, User_DuplicateEmailIsAUniqueViolationNamingEmail) {
  auto lease = db_->acquire();
  users_.insert(lease, make_user("ada@example.com"));
  try {
    users_.insert(lease, make_user("ada@example.com"));
    FAIL() << "duplicate accepted";
  } catch (const ConstraintViolation& e) {
    EXPECT_EQ(e.kind(), ConstraintKind::unique);
    EXPECT_NE(e.constraint().find("email"), std::string::npos) << e.constraint();
  }
}

TEST_P(AccountsStore, User_RoleIsCheckedByTheDatabase) {
  auto lease = db_->acquire();
  EXPECT_THROW(users_.insert(lease, make_user("x@example.com", "superuser")), ConstraintViolation);
  User u = make_user("y@example.com");
  users_.insert(lease, u);
  EXPECT_THROW(users_.set_role(lease, u.id, "root", 2000), ConstraintViolation);
  EXPECT_TRUE(users_.set_role(lease, u.id, "admin", 2000));
  EXPECT_EQ(users_.find_by_id(lease, u.id)->role, "admin");
  EXPECT_EQ(users_.find_by_id(lease, u.id)->updated_at, 2000);
}

TEST_P(AccountsStore, User_UpdatesAndRemove) {
  auto lease = db_->acquire();
  User u = make_user("a@example.com");
  users_.insert(lease, u);
  EXPECT_TRUE(users_.update(lease, u.id, {.name = "Grace", .email = "grace@example.com"}, 3000));
  EXPECT_TRUE(users_.update(lease, u.id, {.password_hash = "$argon2id$new"}, 4000));
  auto after = users_.find_by_id(lease, u.id);
  EXPECT_EQ(after->name, "Grace");
  EXPECT_EQ(after->email, "grace@example.com");
  EXPECT_EQ(after->password_hash, "$argon2id$new");
  EXPECT_EQ(after->updated_at, 4000);
  EXPECT_FALSE(users_.update(lease, "missing", {.password_hash = "h"}, 1));
  EXPECT_TRUE(users_.remove(lease, u.id));
  EXPECT_FALSE(users_.remove(lease, u.id));
  EXPECT_FALSE(users_.find_by_id(lease, u.id));
}

TEST_P(AccountsStore, User_UpdateWritesOnlyTheColumnsGiven) {
  auto lease = db_->acquire();
  User u = make_user("only@example.com");
  users_.insert(lease, u);
  // Another request changed the email meanwhile; a name change must not write the old one back.
  ASSERT_TRUE(users_.update(lease, u.id, {.email = "new@example.com"}, 2000));
  ASSERT_TRUE(users_.update(lease, u.id, {.name = "Renamed"}, 1500));
  auto after = users_.find_by_id(lease, u.id);
  EXPECT_EQ(after->email, "new@example.com");
  EXPECT_EQ(after->name, "Renamed");
  EXPECT_EQ(after->password_hash, u.password_hash);
  EXPECT_EQ(after->updated_at, 2000);  // never backwards
}

TEST_P(AccountsStore, User_ChangeCheckedAgainstAPasswordHash_AppliesOnlyWhileItIsStillStored) {
  auto lease = db_->acquire();
  User u = make_user("check@example.com");
  users_.insert(lease, u);
  ASSERT_TRUE(users_.update(lease, u.id, {.password_hash = "$argon2id$other"}, 2000));
  // The current password was checked against the old hash: the change is refused.
  EXPECT_FALSE(users_.update(
      lease, u.id, {.email = "stolen@example.com", .expected_password_hash = u.password_hash},
      3000));
  EXPECT_EQ(users_.find_by_id(lease, u.id)->email, "check@example.com");
  EXPECT_TRUE(users_.update(
      lease, u.id, {.email = "mine@example.com", .expected_password_hash = "$argon2id$other"},
      3000));
  EXPECT_EQ(users_.find_by_id(lease, u.id)->email, "mine@example.com");
}

TEST_P(AccountsStore, User_InSession_OpenUntilItsTokensAreRevoked) {
  auto lease = db_->acquire();
  User u = make_user("s@example.com");
  users_.insert(lease, u);
  tokens_.insert(lease, make_token(u.id, "fam-a"), "hash-a");
  tokens_.insert(lease, make_token(u.id, "fam-b"), "hash-b");
  auto found = users_.find_in_session(lease, u.id, "fam-a");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user.email, "s@example.com");
  EXPECT_TRUE(found->session_open);
  EXPECT_FALSE(users_.find_in_session(lease, u.id, "no-such-family")->session_open);
  EXPECT_FALSE(users_.find_in_session(lease, "no-such-user", "fam-a"));
  // A rotated (used) token leaves the session open; a revoked family closes it.
  auto t = tokens_.find_by_hash(lease, "hash-a");
  ASSERT_TRUE(tokens_.mark_used(lease, t->id, 10));
  tokens_.insert(lease, make_token(u.id, "fam-a"), "hash-a2");
  EXPECT_TRUE(users_.find_in_session(lease, u.id, "fam-a")->session_open);
  tokens_.revoke_family(lease, "fam-a", 20);
  EXPECT_FALSE(users_.find_in_session(lease, u.id, "fam-a")->session_open);
  EXPECT_TRUE(users_.find_in_session(lease, u.id, "fam-b")->session_open);
  // Another user's session is not this user's.
  User v = make_user("v@example.com");
  users_.insert(lease, v);
  EXPECT_FALSE(users_.find_in_session(lease, v.id, "fam-b")->session_open);
}

TEST_P(AccountsStore, Tokens_MarkUsedOnlyOnce) {
  auto lease = db_->acquire();
  User u = make_user("a@example.com");
  users_.insert(lease, u);
  RefreshToken t = make_token(u.id, "fam1");
  tokens_.insert(lease, t, "hash-1");
  auto found = tokens_.find_by_hash(lease, "hash-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->family_id, "fam1");
  EXPECT_FALSE(found->used_at);
  EXPECT_TRUE(tokens_.mark_used(lease, t.id, 5000));
  EXPECT_FALSE(tokens_.mark_used(lease, t.id, 5001));
  EXPECT_EQ(tokens_.find_by_hash(lease, "hash-1")->used_at, 5000);
  EXPECT_FALSE(tokens_.find_by_hash(lease, "hash-2"));
}

TEST_P(AccountsStore, Tokens_RevokeFamilyAndUserExceptOne) {
  auto lease = db_->acquire();
  User u = make_user("a@example.com");
  users_.insert(lease, u);
  tokens_.insert(lease, make_token(u.id, "famA"), "a1");
  tokens_.insert(lease, make_token(u.id, "famA"), "a2");
  tokens_.insert(lease, make_token(u.id, "famB"), "b1");
  tokens_.insert(lease, make_token(u.id, "famC"), "c1");
  tokens_.revoke_family(lease, "famA", 7000);
  EXPECT_EQ(tokens_.find_by_hash(lease, "a1")->revoked_at, 7000);
  EXPECT_EQ(tokens_.find_by_hash(lease, "a2")->revoked_at, 7000);
  EXPECT_FALSE(tokens_.find_by_hash(lease, "b1")->revoked_at);
  tokens_.revoke_user(lease, u.id, 8000, std::string_view("famB"));
  EXPECT_FALSE(tokens_.find_by_hash(lease, "b1")->revoked_at);
  EXPECT_EQ(tokens_.find_by_hash(lease, "c1")->revoked_at, 8000);
  EXPECT_EQ(tokens_.find_by_hash(lease, "a1")->revoked_at, 7000);  // first revocation kept
  // A revoked token cannot be retired.
  EXPECT_FALSE(tokens_.mark_used(lease, tokens_.find_by_hash(lease, "c1")->id, 9000));
}

TEST_P(AccountsStore, Tokens_GoWithTheirUserAndExpire) {
  auto lease = db_->acquire();
  User u = make_user("a@example.com");
  users_.insert(lease, u);
  tokens_.insert(lease, make_token(u.id, "f"), "t1");
  users_.remove(lease, u.id);
  EXPECT_FALSE(tokens_.find_by_hash(lease, "t1"));  // ON DELETE CASCADE
  User v = make_user("b@example.com");
  users_.insert(lease, v);
  tokens_.insert(lease, make_token(v.id, "g"), "t2");
  tokens_.insert(lease, make_token(v.id, "g"), "t3");
  tokens_.insert(lease, make_token(v.id, "g"), "t4");
  EXPECT_EQ(tokens_.delete_expired(lease, 8999, 100), 0);
  EXPECT_EQ(tokens_.delete_expired(lease, 9001, 2), 2);  // in batches
  EXPECT_EQ(tokens_.delete_expired(lease, 9001, 2), 1);
  EXPECT_EQ(tokens_.delete_expired(lease, 9001, 2), 0);
}

TEST_P(AccountsStore, Tokens_ConcurrentMarkUsedHasOneWinner) {
  {
    auto lease = db_->acquire();
    User u = make_user("a@example.com");
    users_.insert(lease, u);
    tokens_.insert(lease, RefreshToken{"tok", "f", u.id, 1, 9, {}, {}}, "h");
  }
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      winners += with_transaction(*db_, TxMode::write, [&](Transaction& tx) {
        return tokens_.mark_used(tx, "tok", 5) ? 1 : 0;
      });
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(winners.load(), 1);
}

// Every backend of store_fixture.hpp, so a new backend needs no line here.
std::vector<std::string> all_backends() {
  std::vector<std::string> names;
  for (const auto& entry : backends())
    names.push_back(entry.first);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountsStore, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::storage::store_test
