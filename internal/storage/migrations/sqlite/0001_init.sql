-- guanai schema, SQLite. Keep in step with postgres/0001_init.sql:
-- TEXT stands for PostgreSQL's text, date and timestamptz; INTEGER for
-- integer, bigint and boolean; BLOB for bytea.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The NBS statistical division tree; level 1 province … 5 village.
CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       INTEGER NOT NULL,
    parent_code TEXT
);
CREATE INDEX regions_parent ON regions (parent_code, code);
CREATE INDEX regions_level ON regions (level, code);

CREATE TABLE schools (
    id          TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    address     TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    archived_at TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX schools_region ON schools (region_code);
CREATE UNIQUE INDEX schools_region_name ON schools (region_code, name);

CREATE TABLE school_classes (
    id         TEXT PRIMARY KEY,
    school_id  TEXT NOT NULL REFERENCES schools (id),
    grade      INTEGER NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX school_classes_name ON school_classes (school_id, grade, name);

CREATE TABLE children (
    id                   TEXT PRIMARY KEY,
    version              INTEGER NOT NULL,
    id_cipher            BLOB NOT NULL,
    id_hash              TEXT NOT NULL,
    id_mask              TEXT NOT NULL,
    id_tail              TEXT NOT NULL,
    name                 TEXT NOT NULL,
    sex                  TEXT NOT NULL,
    birth_date           TEXT NOT NULL,
    ethnicity            TEXT NOT NULL,
    hukou                TEXT NOT NULL,
    village_code         TEXT NOT NULL REFERENCES regions (code),
    school_id            TEXT REFERENCES schools (id),
    grade                INTEGER,
    class_id             TEXT REFERENCES school_classes (id),
    father_status        TEXT NOT NULL,
    father_away_place    TEXT NOT NULL DEFAULT '',
    father_phone         TEXT NOT NULL DEFAULT '',
    mother_status        TEXT NOT NULL,
    mother_away_place    TEXT NOT NULL DEFAULT '',
    mother_phone         TEXT NOT NULL DEFAULT '',
    guardian_name        TEXT NOT NULL DEFAULT '',
    guardian_relation    TEXT NOT NULL DEFAULT '',
    guardian_phone       TEXT NOT NULL DEFAULT '',
    guardian_id_cipher   BLOB,
    guardian_id_mask     TEXT NOT NULL DEFAULT '',
    guardian_entrusted   INTEGER NOT NULL DEFAULT 0,
    entrusted_on         TEXT,
    health_flags         TEXT NOT NULL DEFAULT '',
    disability           TEXT NOT NULL DEFAULT '',
    difficulty           TEXT NOT NULL DEFAULT '',
    migrant              INTEGER NOT NULL DEFAULT 0,
    notes                TEXT NOT NULL DEFAULT '',
    left_behind          INTEGER NOT NULL,
    left_behind_reason   TEXT NOT NULL DEFAULT '',
    categories           TEXT NOT NULL DEFAULT '',
    classified_on        TEXT NOT NULL,
    archived_at          TEXT,
    archive_reason       TEXT NOT NULL DEFAULT '',
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE UNIQUE INDEX children_id_hash ON children (id_hash);
CREATE INDEX children_village ON children (village_code, archived_at, name, id);
CREATE INDEX children_school ON children (school_id);
CREATE INDEX children_birth ON children (birth_date);
CREATE INDEX children_tail ON children (id_tail);

-- Every change of a child's derived categories, with when and why.
CREATE TABLE child_category_history (
    id          TEXT PRIMARY KEY,
    child_id    TEXT NOT NULL REFERENCES children (id),
    effective_on TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    source      TEXT NOT NULL,
    before_categories TEXT NOT NULL,
    after_categories  TEXT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX child_category_history_child ON child_category_history (child_id, recorded_at);

CREATE TABLE elders (
    id               TEXT PRIMARY KEY,
    version          INTEGER NOT NULL,
    id_cipher        BLOB NOT NULL,
    id_hash          TEXT NOT NULL,
    id_mask          TEXT NOT NULL,
    id_tail          TEXT NOT NULL,
    name             TEXT NOT NULL,
    sex              TEXT NOT NULL,
    birth_date       TEXT NOT NULL,
    village_code     TEXT NOT NULL REFERENCES regions (code),
    living           TEXT NOT NULL,
    children_away    INTEGER NOT NULL DEFAULT 0,
    contact_name     TEXT NOT NULL DEFAULT '',
    contact_relation TEXT NOT NULL DEFAULT '',
    contact_phone    TEXT NOT NULL DEFAULT '',
    health_flags     TEXT NOT NULL DEFAULT '',
    notes            TEXT NOT NULL DEFAULT '',
    archived_at      TEXT,
    archive_reason   TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX elders_id_hash ON elders (id_hash);
CREATE INDEX elders_village ON elders (village_code, name, id);
