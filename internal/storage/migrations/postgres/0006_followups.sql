-- Follow-ups (随访), their schedule rules and in-app notifications. PostgreSQL;
-- keep in step with sqlite/0006_followups.sql.

-- One follow-up of a child: who recorded it (user_id, with the care role
-- they held for the child then, '' for none), when and how, the five
-- dimensions' ratings (good / attention / urgent) and notes, and the next
-- planned date.
CREATE TABLE followups (
    id               TEXT PRIMARY KEY,
    child_id         TEXT NOT NULL REFERENCES children (id),
    village_code     TEXT NOT NULL,
    user_id          TEXT NOT NULL REFERENCES users (id),
    user_name        TEXT NOT NULL,
    care_role        TEXT NOT NULL DEFAULT '',
    visited_on       DATE NOT NULL,
    method           TEXT NOT NULL,
    study_rating     TEXT NOT NULL,
    study_note       TEXT NOT NULL DEFAULT '',
    life_rating      TEXT NOT NULL,
    life_note        TEXT NOT NULL DEFAULT '',
    psych_rating     TEXT NOT NULL,
    psych_note       TEXT NOT NULL DEFAULT '',
    thinking_rating  TEXT NOT NULL,
    thinking_note    TEXT NOT NULL DEFAULT '',
    health_rating    TEXT NOT NULL,
    health_note      TEXT NOT NULL DEFAULT '',
    urgent           BOOLEAN NOT NULL DEFAULT FALSE,
    next_on          DATE,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX followups_child ON followups (child_id, care_role, visited_on);
CREATE INDEX followups_village ON followups (village_code, visited_on);
CREATE INDEX followups_user ON followups (user_id, visited_on);

-- How often a care role visits a category of child (left_behind,
-- difficulty), and after how many days overdue a visit escalates to the
-- township, then the county.
CREATE TABLE followup_rules (
    id            TEXT PRIMARY KEY,
    care_role     TEXT NOT NULL,
    category      TEXT NOT NULL,
    every         INTEGER NOT NULL,
    unit          TEXT NOT NULL,
    township_days INTEGER NOT NULL,
    county_days   INTEGER NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX followup_rules_key ON followup_rules (care_role, category);

INSERT INTO followup_rules (id, care_role, category, every, unit, township_days, county_days, updated_at) VALUES
    ('0193c000-0000-7000-8000-000000000001', 'village_cadre', 'left_behind', 1, 'month', 7, 30, '2026-01-01T00:00:00.000000Z'),
    ('0193c000-0000-7000-8000-000000000002', 'township_cadre', 'left_behind', 3, 'month', 14, 30, '2026-01-01T00:00:00.000000Z'),
    ('0193c000-0000-7000-8000-000000000003', 'village_cadre', 'difficulty', 2, 'week', 7, 14, '2026-01-01T00:00:00.000000Z');

-- An in-app notification for one user (an urgent rating in a follow-up
-- of a child in their chain). read_at NULL: unread.
CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL,
    child_id    TEXT REFERENCES children (id),
    followup_id TEXT REFERENCES followups (id),
    title       TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    read_at     TIMESTAMPTZ
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
