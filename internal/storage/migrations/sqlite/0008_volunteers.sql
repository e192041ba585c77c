-- Volunteers, social organisations, service hours and group activities
-- (issue 8, items 6 and 7). SQLite; keep in step with
-- postgres/0008_volunteers.sql.

-- A social organisation (社会组织), by its unified social credit code.
CREATE TABLE social_orgs (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    credit_code   TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    contact_name  TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    organiser_id  TEXT REFERENCES users (id),
    archived_at   TEXT,
    version       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX social_orgs_credit_code ON social_orgs (credit_code);
CREATE INDEX social_orgs_region ON social_orgs (region_code);
CREATE INDEX social_orgs_organiser ON social_orgs (organiser_id);

-- A volunteer (志愿者): a person, who may be a guanai user.
CREATE TABLE volunteers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL DEFAULT '',
    region_code TEXT NOT NULL,
    user_id     TEXT REFERENCES users (id),
    org_id      TEXT REFERENCES social_orgs (id),
    skills      TEXT NOT NULL DEFAULT '',
    archived_at TEXT,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX volunteers_user ON volunteers (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX volunteers_region ON volunteers (region_code);
CREATE INDEX volunteers_org ON volunteers (org_id);

-- A group activity (集体活动) at a place on a day.
CREATE TABLE activities (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    region_code  TEXT NOT NULL,
    address      TEXT NOT NULL DEFAULT '',
    held_on      TEXT NOT NULL,
    organiser_id TEXT NOT NULL REFERENCES users (id),
    org_id       TEXT REFERENCES social_orgs (id),
    note         TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX activities_region ON activities (region_code, held_on);

-- The children who attended an activity.
CREATE TABLE activity_children (
    activity_id TEXT NOT NULL REFERENCES activities (id),
    child_id    TEXT NOT NULL REFERENCES children (id),
    PRIMARY KEY (activity_id, child_id)
);
CREATE INDEX activity_children_child ON activity_children (child_id);

-- Photos of an activity, kept in the database.
CREATE TABLE activity_photos (
    id           TEXT PRIMARY KEY,
    activity_id  TEXT NOT NULL REFERENCES activities (id),
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    data         BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL
);
CREATE INDEX activity_photos_activity ON activity_photos (activity_id, created_at);

-- A volunteer's service (志愿服务记录): recorded by the organiser,
-- confirmed or disputed by the volunteer. minutes > 0.
CREATE TABLE service_records (
    id             TEXT PRIMARY KEY,
    volunteer_id   TEXT NOT NULL REFERENCES volunteers (id),
    region_code    TEXT NOT NULL,
    served_on      TEXT NOT NULL,
    minutes        INTEGER NOT NULL CHECK (minutes > 0),
    content        TEXT NOT NULL,
    activity_id    TEXT REFERENCES activities (id),
    org_id         TEXT REFERENCES social_orgs (id),
    recorded_by    TEXT NOT NULL REFERENCES users (id),
    status         TEXT NOT NULL,
    dispute_reason TEXT NOT NULL DEFAULT '',
    answered_at    TEXT,
    version        INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX service_records_volunteer ON service_records (volunteer_id, served_on);
CREATE INDEX service_records_region ON service_records (region_code, served_on);
CREATE INDEX service_records_activity ON service_records (activity_id);
