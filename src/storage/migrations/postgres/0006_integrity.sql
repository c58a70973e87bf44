-- Media files shared by content, and background jobs that run once per cluster. The same text
-- runs on SQLite (see ../sqlite).

-- One row per media file name that an upload or a deletion has touched: the row every writer of
-- that name locks, so "is it still used?" and "I am about to use it" never interleave.
-- deleting_since is set (ms since the epoch) while a deletion of the file is under way; an
-- upload of the same bytes waits for it to end (or takes over once it is a minute old: the
-- deleting process died).
CREATE TABLE media_files (
  name TEXT NOT NULL PRIMARY KEY,
  deleting_since BIGINT
);

-- An upload in progress: taken (committed) before its file is written, dropped in the
-- transaction that writes the row referring to the file. A file with a reservation is never
-- deleted. Reservations of an upload cut off by a crash are removed by housekeeping after an hour.
CREATE TABLE media_reservations (
  token TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (token, name)
);
CREATE INDEX media_reservations_name_idx ON media_reservations (name);
CREATE INDEX media_reservations_created_idx ON media_reservations (created_at);

-- Leases of background jobs (housekeeping): the instance whose lease is live runs the job; a
-- lease that was not renewed (the instance died) expires and another instance takes it.
CREATE TABLE job_leases (
  name TEXT NOT NULL PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);

-- Housekeeping removes refresh tokens that expired over a day ago.
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);
