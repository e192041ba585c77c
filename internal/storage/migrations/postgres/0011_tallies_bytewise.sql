-- Counter keys compare byte by byte, whatever the database's collation:
-- the dashboards read key ranges (the follow-ups of the last 30 days are
-- the keys from followups.day.<day−29> up to followups.day.<day>), and
-- both the ranges and the primary key's order must agree with Go's and
-- SQLite's byte order. Keep in step with sqlite/0011_tallies_bytewise.sql.
ALTER TABLE tallies ALTER COLUMN key TYPE TEXT COLLATE "C";
