-- Counters per region node (package tally). Keep in step with
-- postgres/0004_tallies.sql.
CREATE TABLE tallies (
    region_code TEXT NOT NULL,
    key         TEXT NOT NULL,
    parent_code TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (region_code, key)
) WITHOUT ROWID; -- a counter is read by its key: the row is the index entry
CREATE INDEX tallies_parent ON tallies (parent_code, key);

-- The counting version each domain's counters were built with.
CREATE TABLE tally_versions (
    domain  TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);

-- The children list's default order (by place, then name) straight from
-- an index that also holds the list filters' columns.
DROP INDEX children_village;
CREATE INDEX children_roster ON children (village_code, name, id, archived_at, left_behind, migrant);
