package children_test

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/apptest"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/storage"
	"guanai/internal/tally"
)

// TestTalliesMatchRecount applies random registrations, edits (moves
// between villages of two counties, changes of parents' status, of the
// migrant and difficulty facts), archives, restores and the daily
// reclassification, and after each round compares every counter with a
// recount, and the list totals the counters give with counted rows.
func TestTalliesMatchRecount(t *testing.T) {
	clock := &apptest.Clock{T: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	a := apptest.NewAt(t, clock.Now)
	var villages []string
	for _, town := range []string{"530524107000", "530524102000", "530102001000"} {
		rs, err := a.Regions.Children(ctx, town)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rs {
			if i < 4 {
				villages = append(villages, r.Code)
			}
		}
	}
	if len(villages) < 6 {
		t.Fatalf("villages %v", villages)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	sys := access.System()
	type kid struct {
		id      string
		version int
		in      children.Input
		archive bool
	}
	var kids []*kid
	seq := 0
	newInput := func() children.Input {
		seq++
		// 4 to 16 years old: some turn 16 while the clock runs.
		birth := time.Date(clock.T.Year()-16+rng.IntN(13), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		in := input(birth.Format("2006-01-02"), seq)
		in.VillageCode = villages[rng.IntN(len(villages))]
		return in
	}
	mutate := func(in *children.Input) {
		switch rng.IntN(6) {
		case 4:
			in.Ethnicity = []string{"彝族", "汉族", "傣族"}[rng.IntN(3)]
		case 5:
			in.FatherStatus = []children.ParentStatus{"home", "away", "incapable", "deceased"}[rng.IntN(4)]
		case 0:
			in.VillageCode = villages[rng.IntN(len(villages))]
		case 1:
			in.MotherStatus = []children.ParentStatus{"home", "away"}[rng.IntN(2)]
		case 2:
			in.Migrant = !in.Migrant
		case 3:
			if len(in.Difficulty) == 0 {
				in.Difficulty = []string{children.Difficulties[rng.IntN(len(children.Difficulties))]}
			} else {
				in.Difficulty = nil
			}
		}
	}
	for round := range 6 {
		for range 40 {
			switch op := rng.IntN(10); {
			case op < 4 || len(kids) == 0:
				in := newInput()
				mutate(&in)
				c, err := a.Children.Create(ctx, sys, in)
				if err != nil {
					t.Fatalf("create: %v %v", err, errs.As(err).Fields)
				}
				kids = append(kids, &kid{id: c.ID, version: c.Version, in: in})
			case op < 7:
				k := kids[rng.IntN(len(kids))]
				if b, _ := time.Parse("2006-01-02", k.in.BirthDate); k.archive || !b.AddDate(18, 0, 0).After(clock.T) {
					continue // archived, or too old to edit
				}
				in := k.in
				mutate(&in)
				c, err := a.Children.Update(ctx, sys, k.id, k.version, in)
				if err != nil {
					t.Fatalf("update: %v", err)
				}
				k.in, k.version = in, c.Version
			case op < 9:
				k := kids[rng.IntN(len(kids))]
				var c children.Child
				var err error
				if k.archive {
					c, err = a.Children.Restore(ctx, sys, k.id, k.version)
				} else {
					c, err = a.Children.Archive(ctx, sys, k.id, k.version, "迁出")
				}
				if err != nil {
					t.Fatalf("archive/restore: %v", err)
				}
				k.archive, k.version = !k.archive, c.Version
			default:
				// A batch registration: all or nothing.
				ins := []children.Input{newInput(), newInput()}
				ids, err := a.Children.CreateMany(ctx, sys, ins)
				if err != nil {
					t.Fatalf("create many: %v", err)
				}
				for i, id := range ids {
					kids = append(kids, &kid{id: id, version: 1, in: ins[i]})
				}
			}
		}
		// A year passes: the daily job takes those who turned 16 out.
		clock.T = clock.T.AddDate(1, 0, 0)
		if _, err := a.Children.Reclassify(ctx, clock.T); err != nil {
			t.Fatal(err)
		}
		for _, k := range kids {
			c, err := a.Children.Get(ctx, sys, k.id)
			if err != nil {
				t.Fatal(err)
			}
			k.version = c.Version
		}
		apptest.CheckTallies(t, a)
		if t.Failed() {
			t.Fatalf("round %d: counters differ from the recount", round)
		}
	}
	// The list's totals from the counters equal counted ones, for every
	// node on the way down and every category and status.
	nodes := []string{"", "530000000000", "530500000000", "530524000000", "530524107000", villages[0], "530100000000", "110000000000"}
	for _, node := range nodes {
		for _, cat := range []string{"", children.CategoryLeftBehind, children.CategoryMigrant, children.CategoryDifficulty, "not_left_behind"} {
			for _, st := range []string{"", "archived", "all"} {
				if cat != "" && st != "" {
					continue
				}
				f := children.Filter{Region: node, Category: cat, Status: st, Limit: 1}
				// "At least 0 years old" holds for everyone but is not a
				// filter the counters answer: Count counts the rows.
				zero := 0
				byRows := f
				byRows.AgeMin = &zero
				byRows.AsOf = clock.T // the test's today: no one is born after it
				page, err := a.Children.List(ctx, sys, f)
				if err != nil {
					t.Fatal(err)
				}
				counted, err := a.Children.Count(ctx, sys, byRows)
				if err != nil {
					t.Fatal(err)
				}
				// A viewer scoped to the county, filtering the whole
				// province, sees the county's total.
				county := access.Viewer{Region: "530524000000", May: sys.May}
				cp, err := a.Children.List(ctx, county, f)
				if err != nil {
					t.Fatal(err)
				}
				cc, err := a.Children.Count(ctx, county, byRows)
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != counted || cp.Total != cc {
					t.Errorf("node %q category %q status %q: list total %d, counted %d; county viewer %d, counted %d",
						node, cat, st, page.Total, counted, cp.Total, cc)
				}
			}
		}
	}
}

// TestLeftBehindBreakdowns checks the left-behind breakdowns of a few
// children: only active left-behind children count, by birth year, sex,
// ethnicity and reason, and an edit moves them.
func TestLeftBehindBreakdowns(t *testing.T) {
	a := apptest.New(t)
	sys := access.System()
	both := input("2015-03-08", 1) // both parents away: left behind
	c1 := mustCreate(t, a, both)
	dead := input("2016-05-01", 2)
	dead.FatherStatus = "deceased"
	dead.Ethnicity = "汉族"
	mustCreate(t, a, dead)
	home := input("2014-01-01", 3)
	home.MotherStatus = "home" // not left behind
	mustCreate(t, a, home)
	gone := input("2013-01-01", 4)
	c4 := mustCreate(t, a, gone)
	if _, err := a.Children.Archive(ctx, sys, c4.ID, c4.Version, "迁出"); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		children.TallyBornKey(2015): 1, children.TallyBornKey(2016): 1,
		"children.lb.sex.M":              2,
		children.TallyEthnicityKey("彝族"): 1, children.TallyEthnicityKey("汉族"): 1,
		children.TallyReasonKey(children.ReasonBothAway): 1, children.TallyReasonKey(children.ReasonAwayDeceased): 1,
	}
	got, err := tally.Prefixed(ctx, a.DB.Reader(), "530524000000", "children.lb.")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("breakdowns %v, want %v", got, want)
	}
	// The first child's mother comes home, her father's status unknown:
	// no longer left behind.
	both.MotherStatus = "home"
	if _, err := a.Children.Update(ctx, sys, c1.ID, c1.Version, both); err != nil {
		t.Fatal(err)
	}
	eth, err := tally.Prefixed(ctx, a.DB.Reader(), "", children.TallyLBEthPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{children.TallyEthnicityKey("汉族"): 1}; !reflect.DeepEqual(eth, want) {
		t.Errorf("ethnicities after the edit %v, want %v", eth, want)
	}
	if children.TallyEthnicityKey("") != "children.lb.eth.未填" || children.TallyBornKey(2015) != "children.lb.born.2015" ||
		children.TallySexKey("女") != "children.lb.sex.F" || children.TallySexKey("男") != "children.lb.sex.M" || children.TallyReasonKey("both_away") != "children.lb.reason.both_away" {
		t.Error("key names changed")
	}
	apptest.CheckTallies(t, a)
}

// TestTallyRollsUp checks a delta reaches every ancestor and all of China,
// and that Children lists a node's child nodes only.
func TestTallyRollsUp(t *testing.T) {
	a := apptest.New(t)
	d := tally.NewDelta()
	d.Add("530524107202", 2, "x.a", "x.b")
	d.Add("530524107203", 1, "x.a")
	d.Move("530524107203", []string{"x.a"}, "530102001001", []string{"x.a"})
	if err := a.DB.Write(ctx, func(tx *storage.Tx) error { return tally.Apply(ctx, tx, d) }); err != nil {
		t.Fatal(err)
	}
	for node, want := range map[string]int{"": 3, "530000000000": 3, "530500000000": 2, "530524000000": 2, "530524107000": 2,
		"530524107202": 2, "530524107203": 0, "530100000000": 1, "530102001001": 1} {
		got, err := tally.Get(ctx, a.DB.Reader(), node, "x.a")
		if err != nil {
			t.Fatal(err)
		}
		if got["x.a"] != want {
			t.Errorf("x.a at %q = %d, want %d", node, got["x.a"], want)
		}
	}
	kids, err := tally.Children(ctx, a.DB.Reader(), "530000000000", "x.a", "x.b")
	if err != nil {
		t.Fatal(err)
	}
	if len(kids) != 2 || kids["530500000000"]["x.a"] != 2 || kids["530500000000"]["x.b"] != 2 || kids["530100000000"]["x.a"] != 1 {
		t.Errorf("children of Yunnan: %v", kids)
	}
	// A domain's rebuild clears its own keys only: "_" in a domain name
	// is not a wildcard.
	look := tally.NewDelta()
	look.Add("530524107202", 1, "volunteerXhours.a", "volunteer_hours.a")
	none := tally.Rebuilder{Domain: "volunteer_hours", Version: 1, Count: func(context.Context, *storage.Tx, *tally.Delta) error { return nil }}
	err = a.DB.Write(ctx, func(tx *storage.Tx) error {
		if err := tally.Apply(ctx, tx, look); err != nil {
			return err
		}
		return tally.Rebuild(ctx, tx, none)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tally.Get(ctx, a.DB.Reader(), "", "volunteerXhours.a", "volunteer_hours.a"); err != nil ||
		got["volunteerXhours.a"] != 1 || got["volunteer_hours.a"] != 0 {
		t.Errorf("after rebuilding volunteer_hours: %v %v", got, err)
	}
	top, err := tally.Children(ctx, a.DB.Reader(), "", "x.a")
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 1 || top["530000000000"]["x.a"] != 3 {
		t.Errorf("children of China: %v", top)
	}
}
