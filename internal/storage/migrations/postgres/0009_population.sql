-- The region population table behind the incidence rate (issue 6): per
-- region node and age band, how many children live there, from the
-- statistics bureau's or the public-security household figures. PostgreSQL;
-- keep in step with sqlite/0009_population.sql.

-- One row per node and age band. A declared row was imported for that
-- node; a derived row is the sum of its child nodes' rows, recomputed in
-- the transaction of every import below it. region_code '' is all of
-- China (its parent_code is NULL); a province's parent_code is ''.
-- contributing and child_nodes say, for a derived row, how many child
-- nodes had a figure and how many the node has; complete is set when
-- every child node contributed a complete figure (always, when declared).
CREATE TABLE population (
    region_code  TEXT NOT NULL,
    parent_code  TEXT,
    band         TEXT NOT NULL,
    children     BIGINT NOT NULL,
    year         INTEGER NOT NULL,
    declared     BOOLEAN NOT NULL,
    complete     BOOLEAN NOT NULL,
    contributing INTEGER NOT NULL,
    child_nodes  INTEGER NOT NULL,
    updated_by   TEXT NOT NULL DEFAULT '',
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (region_code, band)
);
CREATE INDEX population_parent ON population (parent_code, region_code);
