#include "auth/avatar_service.hpp"

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "media/image_pipeline.hpp"
#include "media/media_references.hpp"
#include "media/media_store.hpp"
#include "storage/transaction.hpp"

namespace shop::auth {

AvatarService::AvatarService(storage::Database& db, media::MediaStore& media, const Clock& clock,
                             spdlog::logger& log)
    : db_(db), media_(media), clock_(clock), log_(log) {}

User AvatarService::set_avatar(std::string_view user_id, std::string_view image) {
  // The list-size rendition (at most 400 × 400) is plenty for an avatar.
  media::ProcessedImage processed = media::process_image(image);
  std::string file = media_.put(processed.list.bytes, processed.list.format);
  std::optional<std::string> previous;
  User user;
  try {
    user = storage::with_transaction(db_, storage::TxMode::write, [&](storage::Transaction& tx) {
      auto current = users_.find_by_id(tx, user_id);
      if (!current) throw Error(ErrorCode::unauthenticated, "Not authorized, user not found");
      previous = current->avatar_url;
      std::int64_t now = epoch_ms(clock_.now());
      users_.set_avatar(tx, user_id, file, now);
      current->avatar_url = file;
      current->updated_at = now;
      return *current;
    });
  } catch (...) {
    media::release_media(db_, media_, {file}, log_);
    throw;
  }
  if (previous && *previous != file) media::release_media(db_, media_, {*previous}, log_);
  return user;
}

}  // namespace shop::auth
