package storage

// Year returns an expression for the four-digit year, as text, of the
// calendar date in column col (text 'YYYY-MM-DD' on SQLite, a date on
// PostgreSQL), for grouping by year in either engine.
func (d Dialect) Year(col string) string {
	if d == Postgres {
		return "to_char(" + col + ", 'YYYY')"
	}
	return "substr(" + col + ", 1, 4)"
}

// ChinaMonth returns an expression for the month, as text 'YYYY-MM', in
// China (UTC+8, as person.Today reckons days) of the timestamp in column
// col (written with TimeArg), for grouping by month in either engine.
func (d Dialect) ChinaMonth(col string) string {
	if d == Postgres {
		return "to_char((" + col + " AT TIME ZONE 'UTC') + INTERVAL '8 hours', 'YYYY-MM')"
	}
	return "strftime('%Y-%m', " + col + ", '+8 hours')"
}
