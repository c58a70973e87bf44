-- Facts about this database itself, starting with when its schema was created.
-- Domain tables come in later migrations; they store timestamps as INTEGER milliseconds since epoch.
CREATE TABLE app_meta (
  key TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
);

INSERT INTO app_meta (key, value)
VALUES ('schema_created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
