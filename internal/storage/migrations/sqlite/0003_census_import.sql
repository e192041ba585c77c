-- Census import reports. Keep in step with postgres/0003_census_import.sql.
CREATE TABLE import_reports (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    summary    TEXT NOT NULL,
    content    BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX import_reports_created ON import_reports (created_at);
