-- Census import reports: the row-by-row report of an import (dry run or
-- commit), kept for a day so that the uploader can download it. The
-- report holds the uploaded rows, ID numbers included, so it is stored
-- sealed with the vault's key, like every ID number.
CREATE TABLE import_reports (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    summary    TEXT NOT NULL,
    content    BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX import_reports_created ON import_reports (created_at);
