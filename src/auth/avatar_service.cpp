#include "auth/avatar_service.hpp"

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "media/image_pipeline.hpp"
#include "media/media_references.hpp"
#include "media/media_store.hpp"
#include "storage/transaction.hpp"

namespace shop::auth {

AvatarService::AvatarService(storage::Database& db, media::MediaStore& media,
                             media::MediaReferences& media_refs, const Clock& clock)
    : db_(db), media_(media), media_refs_(media_refs), clock_(clock) {}

User AvatarService::set_avatar(std::string_view user_id, std::string_view image) {
  // The list-size rendition (at most 400 × 400) is plenty for an avatar.
  media::ProcessedImage processed = media::process_image(image);
  std::string file = media::MediaStore::name_for(processed.list.bytes, processed.list.format);
  media::Reservation reservation = media_refs_.reserve({file});
  media_.put(processed.list.bytes, processed.list.format);
  std::optional<std::string> previous;
  User user = storage::with_transaction(db_, storage::TxMode::write, [&](storage::Transaction& tx) {
    // Locked until the commit: of two uploads at once, the second sees the first one's file as
    // the one it replaces, so no file is left behind.
    auto current = users_.lock_by_id(tx, user_id);
    if (!current) throw Error(ErrorCode::unauthenticated, "Not authorized, user not found");
    previous = current->avatar_url;
    std::int64_t now = std::max(epoch_ms(clock_.now()), current->updated_at);
    users_.set_avatar(tx, user_id, file, now);
    reservation.settle(tx);
    current->avatar_url = file;
    current->updated_at = now;
    return *current;
  });
  reservation.settled();
  if (previous && *previous != file) media_refs_.release({*previous});
  return user;
}

}  // namespace shop::auth
