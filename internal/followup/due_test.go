package followup_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/care"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/followup"
	"guanai/internal/idcard"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/storage"
	"guanai/internal/tally"
)

// dueOn returns a child's earliest due visit as kept ("" for none).
func dueOn(t *testing.T, a *app.App, childID string) string {
	t.Helper()
	var d time.Time
	err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT due_on FROM visits_due WHERE child_id = ?`, childID).Scan(storage.Date{T: &d})
	if errors.Is(err, sql.ErrNoRows) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return d.Format(storage.DateLayout)
}

// within reports whether a village lies in node's subtree.
func within(village, node string) bool {
	lo, hi := regions.Range(node)
	return village >= lo && village < hi
}

// lineageOf returns a node and its ancestors, all of China ("") last.
func lineageOf(code string) []string {
	out := []string{}
	for c := code; c != regions.Root; c = regions.ParentOf(c) {
		out = append(out, c)
	}
	return append(out, regions.Root)
}

// dueCounters returns the non-zero visits_due counters at node, by day.
func dueCounters(t *testing.T, a *app.App, node string) map[string]int {
	t.Helper()
	snap, err := tally.Snapshot(context.Background(), a.DB.Reader(), followup.DueDomain)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for k, n := range snap[node] {
		out[strings.TrimPrefix(k, followup.DuePrefix)] = n
	}
	return out
}

var errUndo = errors.New("undo")

// checkDueTable fails t unless the visits_due rows equal a recomputation
// from the records (in a transaction rolled back), and the counters a
// recount (apptest.CheckTallies).
func checkDueTable(t *testing.T, a *app.App) {
	t.Helper()
	ctx := context.Background()
	read := func(q storage.Querier) map[string]string {
		rows, err := q.QueryContext(ctx, `SELECT child_id, village_code, due_on FROM visits_due`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var id, v string
			var d time.Time
			if err := rows.Scan(&id, &v, storage.Date{T: &d}); err != nil {
				t.Fatal(err)
			}
			out[id] = v + "@" + d.Format(storage.DateLayout)
		}
		return out
	}
	kept := read(a.DB.Reader())
	var rebuilt map[string]string
	err := a.DB.Write(ctx, func(tx *storage.Tx) error {
		if err := followup.RebuildDue(ctx, tx); err != nil {
			return err
		}
		rebuilt = read(tx)
		return errUndo
	})
	if !errors.Is(err, errUndo) {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(kept, rebuilt) {
		t.Errorf("visits_due kept %v, recomputed %v", kept, rebuilt)
	}
	apptest.CheckTallies(t, a)
}

// TestDueCounters walks one child's earliest due visit through the
// changes that move it — team changes, a follow-up (on 31 January 2028:
// due 29 February), archive and restore, a village move, a category
// change, rule edits — checking the kept date, the counters at every
// level and OverdueCounts against a fixed clock.
func TestDueCounters(t *testing.T) {
	f := newFixture(t)
	f.day("2028-01-31")
	sys := access.System()
	c := f.child()
	f.viewer("cadre.village")
	f.viewer("cadre.town")
	expect := func(village, day string) {
		t.Helper()
		if got := dueOn(t, f.a, c.ID); got != day {
			t.Errorf("due on %q, want %q", got, day)
		}
		for _, n := range lineageOf(villageA1) {
			want := map[string]int{}
			if day != "" && within(village, n) {
				want[day] = 1
			}
			if got := dueCounters(t, f.a, n); !reflect.DeepEqual(got, want) {
				t.Errorf("counters at %q: %v, want %v", n, got, want)
			}
		}
		checkDueTable(t, f.a)
	}
	overdue := func(node, today string, wantOver, wantSoon int) {
		t.Helper()
		o, s, err := followup.OverdueCounts(f.ctx, f.a.DB.Reader(), node, date(today))
		if err != nil {
			t.Fatal(err)
		}
		if o != wantOver || s != wantSoon {
			t.Errorf("%s at %q: overdue %d, due soon %d; want %d, %d", today, node, o, s, wantOver, wantSoon)
		}
	}
	expect(villageA1, "") // no team, no obligation
	// A village cadre since 1 January: monthly, due 1 February.
	f.assign(c.ID, care.RoleVillageCadre, "cadre.village", "2028-01-01")
	expect(villageA1, "2028-02-01")
	overdue(county, "2028-01-25", 0, 1) // 7 days ahead: due soon
	overdue(county, "2028-01-24", 0, 0) // 8 days ahead: not yet
	overdue(county, "2028-02-01", 0, 1) // due today: due soon, as on the task list
	overdue(county, "2028-02-02", 1, 0)
	overdue(otherCity, "2028-02-02", 0, 0)
	// Visited on 31 January: due 29 February, the rule's own Next.
	if _, err := f.a.Followups.Record(f.ctx, f.viewer("cadre.village"), followup.Input{ChildID: c.ID, VisitedOn: "2028-01-31"}); err != nil {
		t.Fatal(err)
	}
	expect(villageA1, "2028-02-29")
	overdue("", "2028-02-29", 0, 1)
	overdue("", "2028-03-01", 1, 0)
	overdue(townA, "2028-03-01", 1, 0)
	// A visit by someone outside the team moves nothing.
	if _, err := f.a.Followups.Record(f.ctx, f.officer, followup.Input{ChildID: c.ID}); err != nil {
		t.Fatal(err)
	}
	expect(villageA1, "2028-02-29")
	// A township cadre adds a quarterly obligation (due 30 April): the
	// earliest stays; ending the village cadre's term leaves it.
	f.assign(c.ID, care.RoleTownshipCadre, "cadre.town", "2028-01-31")
	expect(villageA1, "2028-02-29")
	team, err := f.a.Care.Team(f.ctx, sys, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var cadre string
	for _, sl := range team.Current {
		if sl.Role == care.RoleVillageCadre {
			cadre = sl.Member.ID
		}
	}
	if _, err := f.a.Care.EndMember(f.ctx, sys, cadre, care.EndInput{Reason: "调离"}); err != nil {
		t.Fatal(err)
	}
	expect(villageA1, "2028-04-30")
	// A new village cadre has one interval from their first day.
	f.assign(c.ID, care.RoleVillageCadre, "cadre.village", "2028-01-31")
	expect(villageA1, "2028-02-29")
	// Archived: gone; restored: back.
	cur, err := f.a.Children.Get(f.ctx, sys, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cur, err = f.a.Children.Archive(f.ctx, sys, c.ID, cur.Version, "迁出"); err != nil {
		t.Fatal(err)
	}
	expect(villageA1, "")
	if cur, err = f.a.Children.Restore(f.ctx, sys, c.ID, cur.Version); err != nil {
		t.Fatal(err)
	}
	expect(villageA1, "2028-02-29")
	// Moved to another village of the township: counted there.
	villageA2 := siblingVillage(t, f.a, villageA1)
	in := children.InputOf(cur)
	in.VillageCode = villageA2
	if cur, err = f.a.Children.Update(f.ctx, sys, c.ID, cur.Version, in); err != nil {
		t.Fatalf("move: %v %v", err, errs.As(err).Fields)
	}
	expect(villageA2, "2028-02-29")
	if got := dueCounters(t, f.a, villageA2); !reflect.DeepEqual(got, map[string]int{"2028-02-29": 1}) {
		t.Errorf("counters at the new village: %v", got)
	}
	// In difficulty too: the fortnightly rule is the village cadre's
	// strictest (from the visit on 31 January: 14 February).
	in = children.InputOf(cur)
	in.Difficulty = []string{children.DifficultyPoverty}
	if cur, err = f.a.Children.Update(f.ctx, sys, c.ID, cur.Version, in); err != nil {
		t.Fatal(err)
	}
	expect(villageA2, "2028-02-14")
	// A mother back home: no longer left behind, still in difficulty.
	in = children.InputOf(cur)
	in.MotherStatus = "home"
	if cur, err = f.a.Children.Update(f.ctx, sys, c.ID, cur.Version, in); err != nil {
		t.Fatal(err)
	}
	if cur.LeftBehind {
		t.Fatal("still left behind")
	}
	expect(villageA2, "2028-02-14")
	// Out of difficulty as well: no rule applies.
	in = children.InputOf(cur)
	in.Difficulty = nil
	if cur, err = f.a.Children.Update(f.ctx, sys, c.ID, cur.Version, in); err != nil {
		t.Fatal(err)
	}
	expect(villageA2, "")
	in = children.InputOf(cur)
	in.MotherStatus = "away"
	if cur, err = f.a.Children.Update(f.ctx, sys, c.ID, cur.Version, in); err != nil {
		t.Fatal(err)
	}
	expect(villageA2, "2028-02-29")
	// Rules: the village cadre's monthly rule made every 10 days moves the
	// child to 10 February; deleted, the township cadre's quarterly rule
	// is all that is left.
	if _, err := f.a.Followups.SaveRule(f.ctx, f.officer, followup.RuleInput{CareRole: care.RoleVillageCadre, Category: followup.CategoryLeftBehind,
		Every: 10, Unit: followup.UnitDay, TownshipDays: 7, CountyDays: 30}); err != nil {
		t.Fatal(err)
	}
	expect(villageA2, "2028-02-10")
	rules, err := f.a.Followups.Rules(f.ctx, f.officer)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.CareRole == care.RoleVillageCadre && r.Category == followup.CategoryLeftBehind {
			if err := f.a.Followups.DeleteRule(f.ctx, f.officer, r.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	expect(villageA2, "2028-04-30")
}

// siblingVillage returns another village of code's township.
func siblingVillage(t *testing.T, a *app.App, code string) string {
	t.Helper()
	var out string
	err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT MIN(code) FROM regions WHERE parent_code = ? AND code <> ?`,
		regions.ParentOf(code), code).Scan(&out)
	if err != nil || out == "" {
		t.Fatalf("no other village beside %s: %v", code, err)
	}
	return out
}

// TestOverdueCountsAgreeWithTasks applies random team changes,
// follow-ups, archives, moves, category changes and rule edits to a small
// county, then checks, on several days, OverdueCounts and OverdueChildren
// of every node from each village up to all of China against a
// brute-force count from the holders' own task lists (a child is overdue
// when any of its visits is, due soon when none is overdue and one is due
// soon); and the kept table and counters against a recount.
func TestOverdueCountsAgreeWithTasks(t *testing.T) {
	f := newFixture(t)
	f.day("2027-12-01")
	ctx, sys := f.ctx, access.System()
	rng := rand.New(rand.NewPCG(2028, 229))
	// Two townships of the county, two villages each.
	var villages []string
	towns := map[string]int{}
	lo, hi := regions.Range(county)
	rows, err := f.a.DB.Reader().QueryContext(ctx, `SELECT code FROM regions WHERE level = 5 AND code >= ? AND code < ? ORDER BY code`, lo, hi)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		rows.Scan(&c)
		if tw := regions.ParentOf(c); towns[tw] < 2 && (len(towns) < 2 || towns[tw] > 0) {
			towns[tw]++
			villages = append(villages, c)
		}
	}
	rows.Close()
	if len(villages) != 4 {
		t.Fatalf("villages: %v", villages)
	}
	// A neighbour's visits every 10 days, on top of the seeded rules.
	if _, err := f.a.Followups.SaveRule(ctx, f.officer, followup.RuleInput{CareRole: care.RoleNeighbour, Category: followup.CategoryLeftBehind,
		Every: 10, Unit: followup.UnitDay, TownshipDays: 3, CountyDays: 10}); err != nil {
		t.Fatal(err)
	}
	// Holders: per village a cadre and a neighbour, per township a cadre.
	holders := map[string]map[string]string{} // village → role → username
	var users []string
	for i, v := range villages {
		vc, nb, tc := fmt.Sprintf("vc%d", i), fmt.Sprintf("nb%d", i), "tc"+regions.ParentOf(v)
		f.user(vc, v, "", "", "leader")
		f.user(nb, v, "", "", "leader")
		f.user(tc, regions.ParentOf(v), "", "", "leader")
		holders[v] = map[string]string{care.RoleVillageCadre: vc, care.RoleNeighbour: nb, care.RoleTownshipCadre: tc}
		users = append(users, vc, nb)
		if i%2 == 0 {
			users = append(users, tc)
		}
	}
	type kid struct {
		id       string
		village  string
		archived bool
	}
	var kids []*kid
	for i := range 36 {
		f.seq++
		v := villages[i%len(villages)]
		birth := time.Date(2016, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, f.seq)
		in := children.Input{IDNumber: idcard.Generate(v[:6], birth, f.seq%500, "M"), Name: fmt.Sprintf("儿童%d", f.seq), Sex: "M",
			BirthDate: birth.Format("2006-01-02"), Ethnicity: "汉族", Hukou: "rural", VillageCode: v, FatherStatus: "away", MotherStatus: "away",
			GuardianName: "祖父", GuardianRelation: "祖父", GuardianPhone: "13800002222"}
		if i%5 == 0 {
			in.Difficulty = []string{children.DifficultyPoverty}
		}
		if i%7 == 0 {
			in.MotherStatus = "home"
		}
		c, err := f.a.Children.Create(ctx, sys, in)
		if err != nil {
			t.Fatalf("child: %v %v", err, errs.As(err).Fields)
		}
		kids = append(kids, &kid{id: c.ID, village: v})
	}
	roles := []string{care.RoleVillageCadre, care.RoleNeighbour, care.RoleTownshipCadre}
	today := func() time.Time { return person.Today(f.clock.T) }
	done := map[string]int{} // operations that wrote, by kind
	step := func() {
		k := kids[rng.IntN(len(kids))]
		switch op := rng.IntN(20); {
		case op < 7: // assign or reassign a holder
			if k.archived {
				return
			}
			role := roles[rng.IntN(len(roles))]
			from := today().AddDate(0, 0, -rng.IntN(60))
			_, err := f.a.Care.Assign(ctx, sys, k.id, care.AssignInput{Role: role, UserID: f.users[holders[k.village][role]].ID,
				From: from.Format("2006-01-02"), Replace: true})
			if err != nil && !errs.Is(err, errs.Invalid) { // a start before the current holder's
				t.Fatalf("assign: %v", err)
			} else if err == nil {
				done["assign"]++
			}
		case op < 9: // end a term
			team, err := f.a.Care.Team(ctx, sys, k.id)
			if err != nil {
				t.Fatal(err)
			}
			var current []string
			for _, sl := range team.Current {
				if sl.Member != nil {
					current = append(current, sl.Member.ID)
				}
			}
			if len(current) == 0 {
				return
			}
			if _, err := f.a.Care.EndMember(ctx, sys, current[rng.IntN(len(current))], care.EndInput{}); err != nil && !errs.Is(err, errs.Invalid) {
				t.Fatalf("end: %v", err)
			} else if err == nil {
				done["end"]++
			}
		case op < 15: // a follow-up by a holder (or by the officer)
			if k.archived {
				return
			}
			v := f.officer
			if rng.IntN(4) > 0 {
				v = f.viewerOf(holders[k.village][roles[rng.IntN(len(roles))]])
			}
			_, err := f.a.Followups.Record(ctx, v, followup.Input{ChildID: k.id, VisitedOn: today().AddDate(0, 0, -rng.IntN(40)).Format("2006-01-02")})
			if err != nil && !errs.Is(err, errs.Forbidden) { // not (or no longer) on the team
				t.Fatalf("record: %v", err)
			} else if err == nil {
				done["record"]++
			}
		case op < 17: // archive or restore
			c, err := f.a.Children.Get(ctx, sys, k.id)
			if err != nil {
				t.Fatal(err)
			}
			if k.archived {
				_, err = f.a.Children.Restore(ctx, sys, k.id, c.Version)
			} else {
				_, err = f.a.Children.Archive(ctx, sys, k.id, c.Version, "迁出")
			}
			if err != nil {
				t.Fatal(err)
			}
			k.archived = !k.archived
			done["archive"]++
		case op < 19: // a move within the township, or a category change
			if k.archived {
				return
			}
			c, err := f.a.Children.Get(ctx, sys, k.id)
			if err != nil {
				t.Fatal(err)
			}
			in := children.InputOf(c)
			switch rng.IntN(3) {
			case 0:
				for _, v := range villages {
					if v != k.village && regions.ParentOf(v) == regions.ParentOf(k.village) {
						in.VillageCode = v
					}
				}
			case 1:
				in.MotherStatus = map[children.ParentStatus]children.ParentStatus{"home": "away", "away": "home"}[in.MotherStatus]
			default:
				if len(in.Difficulty) > 0 {
					in.Difficulty = nil
				} else {
					in.Difficulty = []string{children.DifficultyUnsupported}
				}
			}
			if _, err := f.a.Children.Update(ctx, sys, k.id, c.Version, in); err != nil {
				t.Fatalf("update: %v %v", err, errs.As(err).Fields)
			}
			k.village = in.VillageCode
			done["update"]++
		default: // a rule edit
			every := 1 + rng.IntN(3)
			if _, err := f.a.Followups.SaveRule(ctx, f.officer, followup.RuleInput{CareRole: care.RoleTownshipCadre, Category: followup.CategoryLeftBehind,
				Every: every, Unit: followup.UnitMonth, TownshipDays: 14, CountyDays: 30}); err != nil {
				t.Fatal(err)
			}
			done["rule"]++
		}
	}
	for round := range 4 {
		for range 60 {
			step()
		}
		checkDueTable(t, f.a)
		for _, ahead := range []int{0, 5, 20, 45} {
			day := today().AddDate(0, 0, ahead)
			f.clock.T = day.Add(2 * time.Hour)
			brute := bruteForce(t, f, users)
			nodes := map[string]bool{}
			for _, v := range villages {
				for _, n := range lineageOf(v) {
					nodes[n] = true
				}
			}
			if all := brute.at(""); ahead == 0 {
				t.Logf("round %d, %s: %d overdue, %d due soon", round, day.Format("2006-01-02"), all[0], all[1])
			}
			for n := range nodes {
				o, s, err := followup.OverdueCounts(ctx, f.a.DB.Reader(), n, day)
				if err != nil {
					t.Fatal(err)
				}
				if want := brute.at(n); o != want[0] || s != want[1] {
					t.Errorf("round %d, %s at %q: overdue %d, due soon %d; the task lists say %d, %d", round, day.Format("2006-01-02"), n, o, s, want[0], want[1])
				}
				kids, err := followup.OverdueChildren(ctx, f.a.DB.Reader(), n, day)
				if err != nil {
					t.Fatal(err)
				}
				if want := brute.children(n); !maps.Equal(kids, want) {
					t.Errorf("round %d, %s below %q: %v; the task lists say %v", round, day.Format("2006-01-02"), n, kids, want)
				}
			}
			f.clock.T = day.AddDate(0, 0, -ahead).Add(2 * time.Hour)
		}
		if t.Failed() {
			t.FailNow()
		}
		f.clock.T = f.clock.T.AddDate(0, 0, 9)
	}
	t.Logf("operations: %v", done)
}

// statuses is each child's status by the task lists (village and
// overdue or due soon).
type statuses map[string][2]string

// bruteForce reads the own task list of every user and keeps, for each
// child, whether any of its visits is overdue, else whether one is due
// soon.
func bruteForce(t *testing.T, f *fixture, users []string) statuses {
	t.Helper()
	out := statuses{}
	for _, u := range users {
		list, err := f.a.Followups.Tasks(f.ctx, f.viewerOf(u))
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) >= followup.MaxTasks {
			t.Fatal("task list cut")
		}
		for _, it := range list.Items {
			if it.Level != followup.LevelOwn {
				continue
			}
			if cur := out[it.ChildID]; cur[1] != followup.StatusOverdue {
				out[it.ChildID] = [2]string{it.VillageCode, it.Status}
			}
		}
	}
	return out
}

// at counts the children of node's subtree overdue and due soon.
func (s statuses) at(node string) [2]int {
	var n [2]int
	for _, st := range s {
		if !within(st[0], node) {
			continue
		}
		if st[1] == followup.StatusOverdue {
			n[0]++
		} else {
			n[1]++
		}
	}
	return n
}

// children is at for every child node of node that has any.
func (s statuses) children(node string) map[string][2]int {
	out := map[string][2]int{}
	for _, st := range s {
		if !within(st[0], node) {
			continue
		}
		c := st[0]
		for c != regions.Root && regions.ParentOf(c) != node {
			c = regions.ParentOf(c)
		}
		if c == regions.Root {
			continue
		}
		n := out[c]
		if st[1] == followup.StatusOverdue {
			n[0]++
		} else {
			n[1]++
		}
		out[c] = n
	}
	return out
}

// viewerOf returns the viewer of a user the fixture created.
func (f *fixture) viewerOf(username string) access.Viewer {
	f.t.Helper()
	u, ok := f.users[username]
	if !ok {
		f.t.Fatalf("no user %s", username)
	}
	return accounts.ViewerFor(u, "127.0.0.1")
}

// TestDueConcurrent records follow-ups of the same children from many
// goroutines while the rules change, and checks the kept dates and
// counters against a recount: on PostgreSQL two transactions moving one
// child must not both take it out of the counter they read.
func TestDueConcurrent(t *testing.T) {
	f := newFixture(t)
	f.day("2028-03-31")
	f.viewer("cadre.village")
	var kids []string
	for range 3 {
		c := f.child()
		f.assign(c.ID, care.RoleVillageCadre, "cadre.village", "2028-01-01")
		kids = append(kids, c.ID)
	}
	cadre := f.viewer("cadre.village")
	var wg sync.WaitGroup
	errc := make(chan error, 100)
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 6 {
				day := date("2028-02-01").AddDate(0, 0, g*5+i).Format("2006-01-02")
				if _, err := f.a.Followups.Record(f.ctx, cadre, followup.Input{ChildID: kids[(g+i)%len(kids)], VisitedOn: day}); err != nil {
					errc <- err
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 4 {
			if _, err := f.a.Followups.SaveRule(f.ctx, f.officer, followup.RuleInput{CareRole: care.RoleVillageCadre, Category: followup.CategoryLeftBehind,
				Every: 1 + i%2, Unit: followup.UnitMonth, TownshipDays: 7, CountyDays: 30}); err != nil {
				errc <- err
			}
		}
	}()
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Errorf("concurrent write: %v", err)
	}
	checkDueTable(t, f.a)
}
