package storage

import (
	"fmt"
	"strings"
	"time"
)

// TimeLayout is how timestamps are written on SQLite: fixed width, UTC, so
// text order is time order.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// DateLayout is how calendar dates are written.
const DateLayout = "2006-01-02"

// TimeArg returns t as a query argument for either engine.
func TimeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(TimeLayout)
}

// DateArg returns the calendar date of t as a query argument.
func DateArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(DateLayout)
}

// Time scans a timestamp from either engine into *T; NULL gives the zero time.
type Time struct{ T *time.Time }

// Scan implements sql.Scanner.
func (s Time) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*s.T = time.Time{}
	case time.Time:
		*s.T = x.UTC()
	case string:
		return s.parse(x)
	case []byte:
		return s.parse(string(x))
	default:
		return fmt.Errorf("storage: cannot scan %T into time", v)
	}
	return nil
}

func (s Time) parse(x string) error {
	for _, l := range []string{TimeLayout, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05", DateLayout} {
		if t, err := time.Parse(l, x); err == nil {
			*s.T = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("storage: bad time %q", x)
}

// Date scans a calendar date from either engine into *T (midnight UTC).
type Date struct{ T *time.Time }

// Scan implements sql.Scanner.
func (s Date) Scan(v any) error {
	var t time.Time
	if err := (Time{&t}).Scan(v); err != nil {
		return err
	}
	if !t.IsZero() {
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	*s.T = t
	return nil
}

// Contains returns a LIKE condition on col matching s anywhere, with s's
// wildcards escaped, and its argument.
func Contains(col, s string) (string, any) {
	return col + ` LIKE ? ESCAPE '\'`, "%" + likeEscaper.Replace(s) + "%"
}

// HasPrefix returns a condition and its argument matching rows whose col
// begins with s, with LIKE's wildcards in s taken literally (a domain
// "volunteer_hours" must not match "volunteerXhours").
func HasPrefix(col, s string) (string, any) {
	return col + ` LIKE ? ESCAPE '\'`, likeEscaper.Replace(s) + "%"
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
