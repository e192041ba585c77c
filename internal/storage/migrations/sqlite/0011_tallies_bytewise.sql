-- Counter keys compare byte by byte: SQLite's default BINARY collation
-- already does, so there is nothing to change here. Kept in step with
-- postgres/0011_tallies_bytewise.sql, which sets COLLATE "C".
SELECT 1;
