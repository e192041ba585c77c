-- The care network: care teams, pairings, positions (proxy parents and the
-- five levels' leaders). PostgreSQL; keep in step with sqlite/0005_care.sql.

-- What a child still lacks that care keeps: bit i set = team role i (in
-- care.TeamRoles order) has no current holder; bit 6 = no current pairing.
-- A new child lacks everything (127).
ALTER TABLE children ADD COLUMN care_gaps INTEGER NOT NULL DEFAULT 127;

-- One holding of a team role for a child: a user (user_id) or a person who
-- is not a user (name, phone, relation). to_on NULL: still current.
CREATE TABLE care_members (
    id          TEXT PRIMARY KEY,
    child_id    TEXT NOT NULL REFERENCES children (id),
    role        TEXT NOT NULL,
    user_id     TEXT REFERENCES users (id),
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL DEFAULT '',
    relation    TEXT NOT NULL DEFAULT '',
    from_on     DATE NOT NULL,
    to_on       DATE,
    end_reason  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX care_members_current ON care_members (child_id, role) WHERE to_on IS NULL;
CREATE INDEX care_members_child ON care_members (child_id, from_on);
CREATE INDEX care_members_user ON care_members (user_id);

-- A mentor (a user) paired with a child.
CREATE TABLE pairings (
    id          TEXT PRIMARY KEY,
    child_id    TEXT NOT NULL REFERENCES children (id),
    mentor_id   TEXT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL,
    from_on     DATE NOT NULL,
    to_on       DATE,
    note        TEXT NOT NULL DEFAULT '',
    end_reason  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX pairings_current ON pairings (child_id, mentor_id) WHERE to_on IS NULL;
CREATE INDEX pairings_child ON pairings (child_id, from_on);
CREATE INDEX pairings_mentor ON pairings (mentor_id, to_on);

-- Who holds a position: a school's principal (subject: school id), a
-- class's homeroom teacher (class id), a village's out-of-school chief
-- proxy parent (village code), a region node's accountable leader (region
-- code). region_code is where the subject lies, for scope.
CREATE TABLE care_positions (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    region_code TEXT NOT NULL,
    user_id     TEXT REFERENCES users (id),
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    from_on     DATE NOT NULL,
    to_on       DATE,
    end_reason  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX care_positions_current ON care_positions (kind, subject) WHERE to_on IS NULL;
CREATE INDEX care_positions_subject ON care_positions (kind, subject, to_on, from_on);
CREATE INDEX care_positions_region ON care_positions (region_code, kind);
CREATE INDEX care_positions_user ON care_positions (user_id);
