#pragma once

#include <string_view>

#include "auth/user_store.hpp"

namespace shop {
class Clock;
}

namespace shop::storage {
class Database;
}

namespace shop::media {
class MediaStore;
class MediaReferences;
}  // namespace shop::media

namespace shop::auth {

// Profile pictures: validated and re-encoded by the image pipeline, stored by content.
class AvatarService {
 public:
  AvatarService(storage::Database& db, media::MediaStore& media, media::MediaReferences& media_refs,
                const Clock& clock);

  // Makes `image` (the uploaded bytes) the user's avatar, at most 400 × 400, without metadata;
  // the previous avatar's file is deleted when nothing else uses it. Throws Error for a bad
  // image (415/400) or an unknown user (401: the account is gone).
  User set_avatar(std::string_view user_id, std::string_view image);

 private:
  storage::Database& db_;
  media::MediaStore& media_;
  media::MediaReferences& media_refs_;
  const Clock& clock_;
  UserStore users_;
};

}  // namespace shop::auth
