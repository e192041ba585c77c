// Package access says who is asking and what they may see. Every domain
// package takes a Viewer and filters by it in its own queries: this is the
// one enforcement point for data scope and sensitive fields.
package access

import (
	"strings"
)

// Viewer is the person (or job) on whose behalf a domain call runs.
type Viewer struct {
	// UserID identifies the user in records and audit; "" for the system.
	UserID string
	// Username is the login name, recorded in the audit log.
	Username string
	// Name is shown in histories.
	Name string
	// IP is the client address of the request, recorded in the audit log.
	IP string
	// Roles are the user's roles (see package accounts).
	Roles []string
	// Region is the root of the viewer's subtree as a 12-digit code; ""
	// means all of China.
	Region string
	// SchoolID, when set, limits children to the pupils of that school.
	SchoolID string
	// ClassID, when set, limits children to the pupils of that class.
	ClassID string
	// Nobody, when true, sees no records at all (e.g. an auditor reading
	// children).
	Nobody bool
	// PairedWith, when set, is the user id of a mentor whose view is only
	// the children paired with them (package care reads those): Where
	// matches nothing and InRegion is false, so no census list, form or
	// region record is open to them.
	PairedWith string
	// May lists the sensitive fields the viewer may read.
	May Sensitive
	// CanWrite says the viewer may create, edit and archive census records.
	CanWrite bool
}

// Sensitive is a set of sensitive field groups.
type Sensitive struct {
	IDNumber   bool // resident ID numbers, the child's and the guardian's
	Health     bool // health flags and disability
	Difficulty bool // difficulty categories (poverty, guardianship)
	// MentalHealth is psychological detail: the psychology notes of
	// follow-ups (package followup).
	MentalHealth bool
}

// System is the viewer of command-line tools and scheduled jobs: the whole
// tree, every field.
func System() Viewer {
	return Viewer{Name: "系统", May: Sensitive{IDNumber: true, Health: true, Difficulty: true, MentalHealth: true}, CanWrite: true}
}

// RegionRange returns the viewer's subtree as a half-open code range.
func (v Viewer) RegionRange() (lo, hi string) { return SubtreeRange(v.Region) }

// InRegion reports whether the 12-digit code lies in the viewer's subtree.
func (v Viewer) InRegion(code string) bool {
	if v.Nobody || v.PairedWith != "" {
		return false
	}
	lo, hi := v.RegionRange()
	return code >= lo && code < hi
}

// SubtreeRange returns the codes of the subtree under a 12-digit region
// code as lo ≤ code < hi; "" is all of China. Duplicated from the regions
// package's Range so that access imports nothing from storage.
func SubtreeRange(code string) (lo, hi string) {
	if code == "" {
		return "000000000000", "999999999999~"
	}
	// Significant prefix: 2, 4, 6, 9 or 12 digits.
	p := strings.TrimRight(code, "0")
	n := len(p)
	switch {
	case n <= 2:
		n = 2
	case n <= 4:
		n = 4
	case n <= 6:
		n = 6
	case n <= 9:
		n = 9
	default:
		n = 12
	}
	prefix := code[:n]
	inc := increment(prefix)
	if len(inc) != n {
		return code, inc
	}
	return code, inc + strings.Repeat("0", 12-n)
}

// increment adds one to a decimal string of the same length ("99" → "9:" is
// avoided by carrying; an all-nines prefix yields a value above all codes).
func increment(s string) string {
	b := []byte(s)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b)
		}
		b[i] = '0'
	}
	return "999999999999~"
}

// Where returns a SQL condition restricting rows to the viewer's scope,
// with ? placeholders, for a table whose region code column is regionCol
// and whose school and class columns are schoolCol and classCol. A viewer
// limited to a school sees nothing of a table without a school column
// (schoolCol ""); a class limit applies only where classCol is given (a
// teacher sees their own school's record, but only their class's pupils).
// A mentor's view (PairedWith) matches nothing here: their children are
// read through package care. It never returns an empty condition.
func (v Viewer) Where(regionCol, schoolCol, classCol string) (string, []any) {
	if v.Nobody || v.PairedWith != "" {
		return "1 = 0", nil
	}
	lo, hi := v.RegionRange()
	cond := regionCol + " >= ? AND " + regionCol + " < ?"
	args := []any{lo, hi}
	if v.SchoolID != "" {
		if schoolCol == "" {
			return "1 = 0", nil
		}
		cond += " AND " + schoolCol + " = ?"
		args = append(args, v.SchoolID)
	}
	if v.ClassID != "" && classCol != "" {
		cond += " AND " + classCol + " = ?"
		args = append(args, v.ClassID)
	}
	return cond, args
}

// Subtree returns the region whose whole subtree the viewer sees ("" for
// all of China) and true, when that is the viewer's whole scope: no school
// or class limit, not Nobody. Counters kept per region node answer such a
// viewer's totals. A new kind of scope limit added to Viewer must make
// Subtree say false.
func (v Viewer) Subtree() (string, bool) {
	if v.Nobody || v.SchoolID != "" || v.ClassID != "" || v.PairedWith != "" {
		return "", false
	}
	return v.Region, true
}

// CanWriteRegion says the viewer may keep records that belong to a region
// rather than a school — elders, new schools: a writer whose scope is the
// region, not a school or class.
func (v Viewer) CanWriteRegion() bool { return v.CanWrite && !v.Nobody && v.SchoolID == "" }

// CanWriteSchool says the viewer may edit a school's own record and its
// classes: region writers and school principals, not class teachers.
func (v Viewer) CanWriteSchool() bool { return v.CanWrite && !v.Nobody && v.ClassID == "" }
