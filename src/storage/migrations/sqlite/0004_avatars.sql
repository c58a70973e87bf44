-- Avatars (POST /api/users/avatar). The same text runs on PostgreSQL (see ../postgres).
-- users.avatar_url holds the media file name of the avatar (a content hash under MEDIA_DIR);
-- the URL is built from PUBLIC_URL when the profile is written. The index answers "does anyone
-- still use this file?" before an old file is deleted.
CREATE INDEX users_avatar_idx ON users (avatar_url);
