-- Care services (issue 8, items 3–5): the service menu (菜单式), the needs
-- list (清单式) and one-to-one matches (一对一). SQLite; keep in step with
-- postgres/0007_services.sql.

-- A service on the menu, offered by a provider (a social organisation, a
-- school or a volunteer: provider_kind + provider_id, with the name as it
-- was given) in one or more regions (service_regions). region_code is the
-- region that keeps the record (scope of writes). capacity: how many needs
-- it can serve at once (matched, not yet delivered).
CREATE TABLE services (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    provider_kind TEXT NOT NULL,
    provider_id   TEXT NOT NULL DEFAULT '',
    provider_name TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    capacity      INTEGER NOT NULL,
    schedule      TEXT NOT NULL DEFAULT '',
    start_on      TEXT NOT NULL,
    end_on        TEXT,
    archived_at   TEXT,
    version       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX services_region ON services (region_code);

-- The regions a service is offered in (any level: the whole subtree).
CREATE TABLE service_regions (
    service_id  TEXT NOT NULL REFERENCES services (id),
    region_code TEXT NOT NULL,
    PRIMARY KEY (service_id, region_code)
);
CREATE INDEX service_regions_code ON service_regions (region_code);

-- A need raised for a child: open → matched (to a service or a volunteer)
-- → delivered → closed (with an outcome); open or matched → cancelled.
-- village_code and age_band are the child's when the need was raised (the
-- counters of domain "needs" count open needs by them).
CREATE TABLE needs (
    id            TEXT PRIMARY KEY,
    child_id      TEXT NOT NULL REFERENCES children (id),
    village_code  TEXT NOT NULL,
    age_band      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL,
    followup_id   TEXT,
    status        TEXT NOT NULL,
    service_id    TEXT REFERENCES services (id),
    volunteer_id  TEXT,
    matched_name  TEXT NOT NULL DEFAULT '',
    delivered_on  TEXT,
    outcome       TEXT NOT NULL DEFAULT '',
    raised_by     TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX needs_village ON needs (village_code, status);
CREATE INDEX needs_child ON needs (child_id, created_at);
CREATE INDEX needs_service ON needs (service_id, status);

-- Every transition of a need, in order.
CREATE TABLE need_events (
    id          TEXT PRIMARY KEY,
    need_id     TEXT NOT NULL REFERENCES needs (id),
    at          TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL,
    user_id     TEXT NOT NULL DEFAULT '',
    user_name   TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX need_events_need ON need_events (need_id, at);

-- A standing one-to-one match (一对一) built on a volunteer pairing.
CREATE TABLE one_to_one (
    id          TEXT PRIMARY KEY,
    pairing_id  TEXT NOT NULL REFERENCES pairings (id),
    child_id    TEXT NOT NULL REFERENCES children (id),
    mentor_id   TEXT NOT NULL REFERENCES users (id),
    goal        TEXT NOT NULL DEFAULT '',
    from_on     TEXT NOT NULL,
    to_on       TEXT,
    end_reason  TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX one_to_one_current ON one_to_one (pairing_id) WHERE to_on IS NULL;
CREATE INDEX one_to_one_child ON one_to_one (child_id);
CREATE INDEX one_to_one_mentor ON one_to_one (mentor_id);

-- The service log of a one-to-one match.
CREATE TABLE one_to_one_logs (
    id          TEXT PRIMARY KEY,
    match_id    TEXT NOT NULL REFERENCES one_to_one (id),
    served_on   TEXT NOT NULL,
    what        TEXT NOT NULL,
    minutes     INTEGER NOT NULL,
    recorded_by TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE INDEX one_to_one_logs_match ON one_to_one_logs (match_id, served_on);
