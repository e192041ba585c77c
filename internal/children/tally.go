package children

import (
	"context"
	"strconv"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/storage"
	"guanai/internal/tally"
)

// Tally keys kept for children at every region node.
const (
	TallyActive     = "children.active"      // in the active census
	TallyArchived   = "children.archived"    // archived
	TallyLeftBehind = "children.left_behind" // active and left behind
	TallyMigrant    = "children.migrant"     // active and migrant
	TallyDifficulty = "children.difficulty"  // active and in difficulty
)

// The care network's keys, counted for active left-behind children only
// (package care reads them for its gap counts): what a child has of the
// care network, from the care_gaps column — so that a child registered or
// imported, who has nothing yet, adds no care key at all — and where it
// is at school, so that the proxies that follow from a school's or a
// class's positions can be counted against the positions when read.
const (
	// TallyTeamComplete: holds all six team roles.
	TallyTeamComplete = "children.care.complete"
	// TallyHasPrefix + GapNames[i]: has that role, or a pairing.
	TallyHasPrefix = "children.care.has."
	// TallySchoolPrefix + a school id: at that school.
	TallySchoolPrefix = "children.school:"
	// TallyClassPrefix + a class id: in that class.
	TallyClassPrefix = "children.class:"
)

// GapNames name the bits of a child's care_gaps column, which package care
// keeps: bit i set means the child lacks GapNames[i] — one of the six care
// team roles (in package care's TeamRoles order) or a pairing.
var GapNames = []string{"county_cadre", "township_cadre", "village_cadre", "teacher", "guardian", "neighbour", "pairing"}

// NewGaps is what a newly registered child lacks: everything (the
// column's default).
const NewGaps = 1<<7 - 1

const teamGaps = 1<<6 - 1

// CareTallyKeys returns the care keys an active left-behind child at
// school and class (either may be "") with care_gaps gaps counts towards.
func CareTallyKeys(school, class string, gaps int) []string {
	var keys []string
	if gaps&teamGaps == 0 {
		keys = append(keys, TallyTeamComplete)
	}
	for i, n := range GapNames {
		if gaps&(1<<i) == 0 {
			keys = append(keys, TallyHasPrefix+n)
		}
	}
	if school != "" {
		keys = append(keys, TallySchoolPrefix+school)
	}
	if class != "" {
		keys = append(keys, TallyClassPrefix+class)
	}
	return keys
}

// The breakdowns of active left-behind children that the dashboards
// read, at the child's village: by birth year, sex, ethnicity and the
// reason the child counts as left behind. Read one with tally.Prefixed
// (or tally.PrefixedChildren for a node's child nodes).
const (
	// TallyLBBornPrefix + a four-digit birth year (TallyBornKey).
	TallyLBBornPrefix = "children.lb.born."
	// TallyLBSexPrefix + the stored sex, person.Male ("M") or
	// person.Female ("F") (TallySexKey).
	TallyLBSexPrefix = "children.lb.sex."
	// TallyLBEthPrefix + the stored ethnicity (TallyEthnicityKey).
	TallyLBEthPrefix = "children.lb.eth."
	// TallyLBReasonPrefix + a left-behind reason code: ReasonBothAway,
	// ReasonAwayIncapable or ReasonAwayDeceased (TallyReasonKey).
	TallyLBReasonPrefix = "children.lb.reason."
)

// Unfilled stands for an empty value in a breakdown key.
const Unfilled = "未填"

// TallyBornKey is the key of active left-behind children born in year.
func TallyBornKey(year int) string { return TallyLBBornPrefix + strconv.Itoa(year) }

// TallySexKey is the key of active left-behind children of a sex: sex is
// anything person.NormalizeSex reads (男, 女, M, F…), and the key holds
// the stored value, person.Male or person.Female (children.lb.sex.M,
// children.lb.sex.F); anything else counts as Unfilled.
func TallySexKey(sex string) string { return TallyLBSexPrefix + orUnfilled(person.NormalizeSex(sex)) }

// TallyEthnicityKey is the key of active left-behind children of an
// ethnicity (the stored value, e.g. 汉族; empty counts as Unfilled).
func TallyEthnicityKey(e string) string { return TallyLBEthPrefix + orUnfilled(e) }

// TallyReasonKey is the key of active left-behind children counted so
// for reason r (a Reason* code; empty counts as Unfilled).
func TallyReasonKey(r string) string { return TallyLBReasonPrefix + orUnfilled(r) }

func orUnfilled(s string) string {
	if s == "" {
		return Unfilled
	}
	return s
}

// lbKeys returns the breakdown keys of an active left-behind child.
func lbKeys(c Child) []string {
	return []string{TallyBornKey(c.BirthDate.Year()), TallySexKey(c.Sex), TallyEthnicityKey(c.Ethnicity), TallyReasonKey(c.LeftBehindReason)}
}

// tallyVersion is the children's counting version (see tally.Rebuilder):
// 2 added the care network's keys; 3 the left-behind breakdowns
// (TallyLB…Prefix).
const tallyVersion = 3

// tallied is what a child counts towards, at its village.
type tallied struct {
	village string
	keys    []string
}

// tallyOf returns what c counts towards.
func tallyOf(c Child) tallied {
	if c.Archived {
		return tallied{c.VillageCode, []string{TallyArchived}}
	}
	keys := []string{TallyActive}
	if c.LeftBehind {
		keys = append(keys, TallyLeftBehind)
	}
	if c.Migrant {
		keys = append(keys, TallyMigrant)
	}
	if len(c.Difficulty) > 0 {
		keys = append(keys, TallyDifficulty)
	}
	if c.LeftBehind {
		keys = append(keys, CareTallyKeys(c.SchoolID, c.ClassID, c.CareGaps)...)
		keys = append(keys, lbKeys(c)...)
	}
	return tallied{c.VillageCode, keys}
}

// recount writes the change from before to after (either nil: created, or
// gone) into the counters, in tx.
func recount(ctx context.Context, tx *storage.Tx, before, after *Child) error {
	d := tally.NewDelta()
	countChange(d, before, after)
	return tally.Apply(ctx, tx, d)
}

func countChange(d *tally.Delta, before, after *Child) {
	if after != nil && after.CareGaps < 0 {
		// Made from a form: the census keeps what care keeps.
		a := *after
		a.CareGaps = NewGaps
		if before != nil {
			a.CareGaps = before.CareGaps
		}
		after = &a
	}
	if before != nil {
		t := tallyOf(*before)
		d.Add(t.village, -1, t.keys...)
	}
	if after != nil {
		t := tallyOf(*after)
		d.Add(t.village, 1, t.keys...)
	}
}

// Tallies is the children's tally.Rebuilder: a recount from the children
// table.
func Tallies() tally.Rebuilder {
	return tally.Rebuilder{Domain: "children", Version: tallyVersion, Count: func(ctx context.Context, tx *storage.Tx, d *tally.Delta) error {
		if err := countStatus(ctx, tx, d); err != nil {
			return err
		}
		return countLeftBehind(ctx, tx, d)
	}}
}

// countLeftBehind recounts the left-behind breakdowns (lbKeys), grouped
// apart from the other keys so that neither grouping multiplies the
// other's.
func countLeftBehind(ctx context.Context, tx *storage.Tx, d *tally.Delta) error {
	year := tx.Dialect().Year("birth_date")
	rows, err := tx.QueryContext(ctx, `SELECT village_code, `+year+`, sex, ethnicity, left_behind_reason, COUNT(*)
		FROM children WHERE left_behind = ? AND archived_at IS NULL
		GROUP BY village_code, `+year+`, sex, ethnicity, left_behind_reason`, true)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var village, y, sex, eth, reason string
		var n int
		if err := rows.Scan(&village, &y, &sex, &eth, &reason, &n); err != nil {
			return err
		}
		yr, err := strconv.Atoi(y)
		if err != nil {
			return err
		}
		c := Child{BirthDate: time.Date(yr, 1, 1, 0, 0, 0, 0, time.UTC), Sex: sex, Ethnicity: eth, LeftBehindReason: reason}
		d.Add(village, n, lbKeys(c)...)
	}
	return rows.Err()
}

// countStatus recounts every key but the left-behind breakdowns.
func countStatus(ctx context.Context, tx *storage.Tx, d *tally.Delta) error {
	rows, err := tx.QueryContext(ctx, `SELECT village_code, archived_at IS NOT NULL, left_behind, migrant, difficulty <> '',
			COALESCE(school_id, ''), COALESCE(class_id, ''), care_gaps, COUNT(*)
			FROM children GROUP BY village_code, archived_at IS NOT NULL, left_behind, migrant, difficulty <> '',
			COALESCE(school_id, ''), COALESCE(class_id, ''), care_gaps`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c Child
		var difficult bool
		var n int
		if err := rows.Scan(&c.VillageCode, &c.Archived, &c.LeftBehind, &c.Migrant, &difficult, &c.SchoolID, &c.ClassID, &c.CareGaps, &n); err != nil {
			return err
		}
		if difficult {
			c.Difficulty = []string{"x"}
		}
		t := tallyOf(c)
		d.Add(t.village, n, withoutLB(t.keys)...)
	}
	return rows.Err()
}

// withoutLB drops the left-behind breakdowns from keys (countLeftBehind
// counts them).
func withoutLB(keys []string) []string {
	out := keys[:0:0]
	for _, k := range keys {
		if !strings.HasPrefix(k, tallyLBPrefix) {
			out = append(out, k)
		}
	}
	return out
}

// tallyLBPrefix begins every left-behind breakdown key.
const tallyLBPrefix = "children.lb."

// tallyTotal returns the total of a list filter from the counters when
// they answer it — a viewer whose scope is a whole region subtree, and a
// filter on place, category and status only — and false otherwise.
func (s *Store) tallyTotal(ctx context.Context, q storage.Querier, v access.Viewer, f Filter) (int, bool, error) {
	node, ok := v.Subtree()
	if !ok || f.SchoolID != "" || f.ClassID != "" || f.Sex != "" || f.AgeMin != nil || f.AgeMax != nil || f.Query != "" {
		return 0, false, nil
	}
	if f.Region != "" {
		code, err := regions.Normalize(f.Region)
		if err != nil {
			return 0, false, nil
		}
		if !v.InRegion(code) {
			// Disjoint from the scope (a wider filter is the scope itself).
			lo, hi := access.SubtreeRange(code)
			if !(node >= lo && node < hi) {
				return 0, true, nil
			}
		} else {
			node = code
		}
	}
	var keys []string
	switch f.Status {
	case "", "active":
		switch f.Category {
		case "":
			keys = []string{TallyActive}
		case CategoryLeftBehind:
			keys = []string{TallyLeftBehind}
		case CategoryMigrant:
			keys = []string{TallyMigrant}
		case CategoryDifficulty:
			keys = []string{TallyDifficulty}
		case "not_left_behind":
			keys = []string{TallyActive, TallyLeftBehind}
		default:
			return 0, false, nil
		}
	case "archived", "all":
		if f.Category != "" {
			return 0, false, nil
		}
		keys = []string{TallyArchived}
		if f.Status == "all" {
			keys = append(keys, TallyActive)
		}
	default:
		return 0, false, nil
	}
	m, err := tally.Get(ctx, q, node, keys...)
	if err != nil {
		return 0, false, err
	}
	if f.Category == "not_left_behind" {
		return m[TallyActive] - m[TallyLeftBehind], true, nil
	}
	n := 0
	for _, k := range keys {
		n += m[k]
	}
	return n, true, nil
}
