-- The earliest due visit of each active child (package followup). SQLite;
-- keep in step with postgres/0010_visits_due.sql.

-- One row per active child that owes a scheduled visit: the earliest due
-- date over the child's obligations (a current holder of a care-team role
-- with a schedule rule for the child's category) and the village the
-- child was counted at. A child that owes none has no row. Kept in the
-- transaction of every change that moves it, beside the visits_due.<day>
-- counters (package tally) it is the per-child record of: the row says
-- where and under which day the child is counted, so a change takes the
-- child out of exactly that counter. A table of its own rather than a
-- column of children: followup owns it, children without a care team cost
-- nothing, and recomputing it does not touch the child's version (the
-- census's optimistic lock) nor the children table's indexes.
CREATE TABLE visits_due (
    child_id     TEXT PRIMARY KEY REFERENCES children (id),
    village_code TEXT NOT NULL,
    due_on       TEXT NOT NULL
) WITHOUT ROWID;
