package care_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"guanai/internal/access"
	"guanai/internal/care"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/storage"
	"guanai/internal/tally"
)

// recount counts the gaps under a node from scratch, from the records
// themselves (never the care_gaps column), by the node one level down.
func (f *fixture) recount(node string, prefix int, school string) map[string]map[string]int {
	f.t.Helper()
	q := f.a.DB.Reader()
	rows, err := q.QueryContext(f.ctx, `SELECT id, village_code, COALESCE(school_id, ''), COALESCE(class_id, ''), archived_at IS NULL, left_behind FROM children`)
	if err != nil {
		f.t.Fatal(err)
	}
	type kid struct{ id, village, school, class string }
	var kids []kid
	for rows.Next() {
		var k kid
		var active, lb bool
		if err := rows.Scan(&k.id, &k.village, &k.school, &k.class, &active, &lb); err != nil {
			f.t.Fatal(err)
		}
		if active && lb && k.village[:len(trimCode(node))] == trimCode(node) && (school == "" || k.school == school) {
			kids = append(kids, k)
		}
	}
	rows.Close()
	set := func(query string) map[string]bool {
		out := map[string]bool{}
		rows, err := q.QueryContext(f.ctx, query)
		if err != nil {
			f.t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			rows.Scan(&k)
			out[k] = true
		}
		return out
	}
	roles := set(`SELECT child_id || ':' || role FROM care_members WHERE to_on IS NULL`)
	paired := set(`SELECT child_id FROM pairings WHERE to_on IS NULL`)
	pos := set(`SELECT kind || ':' || subject FROM care_positions WHERE to_on IS NULL`)
	out := map[string]map[string]int{}
	for _, k := range kids {
		n := k.village[:prefix]
		n += "000000000000"[:12-prefix]
		if out[n] == nil {
			out[n] = map[string]int{"children": 0}
		}
		out[n]["children"]++
		team := false
		for _, r := range care.TeamRoles {
			if !roles[k.id+":"+r] {
				out[n][care.GapRole(r)]++
				team = true
			}
		}
		if team {
			out[n][care.GapTeam]++
		}
		if !paired[k.id] {
			out[n][care.GapPairing]++
		}
		if k.school == "" || !pos[care.PositionPrincipal+":"+k.school] {
			out[n][care.GapPrincipal]++
		}
		if k.class == "" || !pos[care.PositionHomeroom+":"+k.class] {
			out[n][care.GapHomeroom]++
		}
		if !pos[care.PositionVillageProxy+":"+k.village] {
			out[n][care.GapVillageProxy]++
		}
	}
	return out
}

// checkCounters compares every counter of the children's domain — the
// care keys among them — with a recount from scratch.
func (f *fixture) checkCounters(step string) {
	f.t.Helper()
	kept, err := tally.Snapshot(f.ctx, f.a.DB.Reader(), "children")
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.a.DB.Write(f.ctx, func(tx *storage.Tx) error { return tally.Rebuild(f.ctx, tx, children.Tallies()) }); err != nil {
		f.t.Fatal(err)
	}
	recounted, err := tally.Snapshot(f.ctx, f.a.DB.Reader(), "children")
	if err != nil {
		f.t.Fatal(err)
	}
	if fmt.Sprint(kept) != fmt.Sprint(recounted) {
		for node, m := range recounted {
			for k, n := range m {
				if kept[node][k] != n {
					f.t.Errorf("%s: counter %s %s is %d, recount %d", step, node, k, kept[node][k], n)
				}
			}
		}
		for node, m := range kept {
			for k, n := range m {
				if recounted[node][k] != n {
					f.t.Errorf("%s: counter %s %s is %d, recount %d", step, node, k, n, recounted[node][k])
				}
			}
		}
	}
}

// TestGapNames checks that the children's names of the care_gaps bits are
// the team roles and the pairing, in order.
func TestGapNames(t *testing.T) {
	if want := append(slices.Clone(care.TeamRoles), "pairing"); !slices.Equal(children.GapNames, want) {
		t.Errorf("children.GapNames %v, want %v", children.GapNames, want)
	}
}

func trimCode(c string) string {
	for _, n := range []int{2, 4, 6, 9} {
		if c[n:] == "000000000000"[:12-n] {
			return c[:n]
		}
	}
	return c
}

// checkGaps compares Gaps(node) with a recount, as v sees it (school: v's
// school, whose pupils are all v sees).
func (f *fixture) checkGaps(step string, v access.Viewer, school, node string, prefix int) {
	f.t.Helper()
	g, err := f.a.Care.Gaps(f.ctx, v, node)
	if err != nil {
		f.t.Fatal(err)
	}
	want := f.recount(node, prefix, school)
	total := map[string]int{}
	got := map[string]map[string]int{}
	for _, r := range g.Rows {
		if r.Children == 0 {
			continue
		}
		got[r.Code] = map[string]int{"children": r.Children}
		for k, n := range r.Gaps {
			if n > 0 {
				got[r.Code][k] = n
			}
		}
	}
	for _, m := range want {
		for k, n := range m {
			total[k] += n
		}
	}
	if prefix == 12 && len(g.Rows) == 0 { // a village: its own total only
		got = map[string]map[string]int{}
		if g.Region.Children > 0 {
			got[node] = map[string]int{"children": g.Region.Children}
			for k, n := range g.Region.Gaps {
				if n > 0 {
					got[node][k] = n
				}
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		f.t.Errorf("%s: gaps of %s by node\n got %v\nwant %v", step, node, got, want)
	}
	if g.Region.Children != total["children"] {
		f.t.Errorf("%s: %s has %d children, recount %d", step, node, g.Region.Children, total["children"])
	}
	for _, k := range care.GapKeys {
		if g.Region.Gaps[k] != total[k] {
			f.t.Errorf("%s: %s %s = %d, recount %d", step, node, k, g.Region.Gaps[k], total[k])
		}
	}
}

// TestGapsMatchRecount makes random assignments, endings, pairings,
// positions, moves, archivals and reclassifications, and after each round
// compares the gap counts of the county, a township and a village with a
// recount from scratch.
func TestGapsMatchRecount(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewPCG(5, 5))
	villages := []string{villageA1, villageA2, villageB1}
	places := [][3]string{
		{villageA1, f.schoolA.ID, f.classA1.ID}, {villageA2, f.schoolA.ID, f.classA2.ID}, {villageB1, f.schoolB.ID, f.classB1.ID},
		{villageA1, "", ""}, {villageB1, f.schoolA.ID, f.classA1.ID}, {villageA2, f.schoolA.ID, ""},
	}
	var kids []string
	for i := range 30 {
		p := places[i%len(places)]
		kids = append(kids, f.child(p[0], p[1], p[2]).ID)
	}
	mentors := []string{f.mentor.ID, f.countyCadre.ID, f.user("mentor.two", county, "mentor").ID}
	people := []string{"张大妈", "李大爷", "王阿姨"}
	s := f.a.Care
	sys := access.System()
	for round := range 6 {
		for range 40 {
			id := kids[rng.IntN(len(kids))]
			var err error
			switch op := rng.IntN(10); op {
			case 0, 1, 2:
				role := care.TeamRoles[rng.IntN(len(care.TeamRoles))]
				in := care.AssignInput{Role: role, Name: people[rng.IntN(3)], Relation: "亲属", Replace: rng.IntN(2) == 0}
				if role == care.RoleCountyCadre && rng.IntN(2) == 0 {
					in = care.AssignInput{Role: role, UserID: f.countyCadre.ID, Replace: true}
				}
				_, err = s.Assign(f.ctx, f.officer, id, in)
			case 3:
				team, e := s.Team(f.ctx, sys, id)
				if e == nil {
					for _, sl := range team.Current {
						if sl.Member != nil && rng.IntN(2) == 0 {
							_, err = s.EndMember(f.ctx, f.officer, sl.Member.ID, care.EndInput{})
							break
						}
					}
				}
			case 4:
				_, err = s.Pair(f.ctx, f.officer, care.PairingInput{ChildID: id, MentorID: mentors[rng.IntN(len(mentors))], Kind: care.KindVolunteer})
			case 5:
				ps, _ := s.Pairings(f.ctx, sys, care.PairingFilter{ChildID: id})
				if len(ps) > 0 {
					_, err = s.EndPairing(f.ctx, f.officer, ps[0].ID, care.EndInput{})
				}
			case 6:
				kinds := []care.PositionInput{
					{Kind: care.PositionPrincipal, Subject: []string{f.schoolA.ID, f.schoolB.ID}[rng.IntN(2)], Name: people[rng.IntN(3)]},
					{Kind: care.PositionHomeroom, Subject: []string{f.classA1.ID, f.classA2.ID, f.classB1.ID}[rng.IntN(3)], Name: people[rng.IntN(3)]},
					{Kind: care.PositionVillageProxy, Subject: villages[rng.IntN(3)], Name: people[rng.IntN(3)]},
				}
				in := kinds[rng.IntN(3)]
				if rng.IntN(3) == 0 {
					cur, _ := s.Positions(f.ctx, sys, care.PositionFilter{Kind: in.Kind, Subject: in.Subject})
					if len(cur) > 0 {
						_, err = s.EndPosition(f.ctx, f.officer, cur[0].ID, care.EndInput{})
					}
				} else {
					_, err = s.SetPosition(f.ctx, f.officer, in)
				}
			case 7:
				if c, _ := f.a.Children.Get(f.ctx, sys, id); c.Archived {
					continue
				}
				p := places[rng.IntN(len(places))]
				f.move(id, p[0], p[1], p[2])
			case 8:
				c, e := f.a.Children.Get(f.ctx, sys, id)
				if e != nil {
					t.Fatal(e)
				}
				if c.Archived {
					_, err = f.a.Children.Restore(f.ctx, sys, id, c.Version)
				} else {
					_, err = f.a.Children.Archive(f.ctx, sys, id, c.Version, "迁出")
				}
			case 9:
				// A parent comes home, or leaves again: the category follows.
				c, e := f.a.Children.GetRevealed(f.ctx, sys, id)
				if e != nil {
					t.Fatal(e)
				}
				if c.Archived {
					continue
				}
				in := inputOf(c)
				if in.MotherStatus == "away" {
					in.MotherStatus = "home"
				} else {
					in.MotherStatus = "away"
				}
				_, err = f.a.Children.Update(f.ctx, sys, id, c.Version, in)
			}
			// Refusals (a role held, a pairing twice, an archived child) are
			// part of the game; anything else is a failure.
			if err != nil && !errs.Is(err, errs.Conflict) && !errs.Is(err, errs.Invalid) {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		step := fmt.Sprintf("round %d", round)
		f.checkCounters(step)
		f.checkGaps(step, f.officer, "", county, 9)
		f.checkGaps(step, f.officer, "", townA, 12)
		f.checkGaps(step, f.officer, "", villageA1, 12)
		// A principal: counted from the records, not the counters.
		f.checkGaps(step+" (principal)", f.viewer(f.principalA), f.schoolA.ID, villageA1, 12)
		f.checkGaps(step+" (principal)", f.viewer(f.principalA), f.schoolA.ID, townA, 12)
	}
	// The list behind each count has as many children as the count.
	g, err := s.Gaps(f.ctx, f.officer, townA)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range append(slices.Clone(care.GapKeys), "any") {
		page, err := s.GapChildren(f.ctx, f.officer, townA, k, 500, 0)
		if err != nil {
			t.Fatal(err)
		}
		if k == "any" {
			continue
		}
		if page.Total != g.Region.Gaps[k] || len(page.Items) != page.Total {
			t.Errorf("list of %s: total %d, %d items; count %d", k, page.Total, len(page.Items), g.Region.Gaps[k])
		}
		for _, c := range page.Items {
			if !slices.Contains(c.Missing, k) {
				t.Errorf("child %s listed under %s lacks %v", c.ID, k, c.Missing)
			}
		}
	}
	if _, err := s.GapChildren(f.ctx, f.officer, townA, "nonsense", 10, 0); !errs.Is(err, errs.Invalid) {
		t.Errorf("bad gap key: %v", err)
	}
	if _, err := s.Gaps(f.ctx, f.officer, otherCity); !errs.Is(err, errs.NotFound) {
		t.Errorf("gaps out of scope: %v", err)
	}
}

func inputOf(c children.Child) children.Input {
	return children.Input{IDNumber: c.IDNumber, Name: c.Name, Sex: c.Sex, BirthDate: c.BirthDate.Format("2006-01-02"), Ethnicity: c.Ethnicity,
		Hukou: c.Hukou, VillageCode: c.VillageCode, SchoolID: c.SchoolID, Grade: c.Grade, ClassID: c.ClassID,
		FatherStatus: c.FatherStatus, MotherStatus: c.MotherStatus,
		GuardianName: c.Guardian.Name, GuardianRelation: c.Guardian.Relation, GuardianPhone: c.Guardian.Phone}
}

// TestBulkAssign checks that a bulk assignment is all or nothing, with a
// report per child.
func TestBulkAssign(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for range 5 {
		ids = append(ids, f.child(villageA1, "", "").ID)
	}
	far := f.child(otherVill, "", "")
	s := f.a.Care
	// One child already has a township cadre, somebody else.
	if _, err := s.Assign(f.ctx, f.officer, ids[2], care.AssignInput{Role: care.RoleTownshipCadre, Name: "赵干部"}); err != nil {
		t.Fatal(err)
	}
	in := care.BulkInput{AssignInput: care.AssignInput{Role: care.RoleTownshipCadre, UserID: f.townCadreA.ID}, ChildIDs: append(slices.Clone(ids), far.ID)}
	res, err := s.BulkAssign(f.ctx, f.officer, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied || res.Refused != 2 || res.Assigned != 4 || len(res.Items) != 6 {
		t.Fatalf("refused bulk %+v", res)
	}
	if res.Items[2].Outcome != care.OutcomeRefused || res.Items[2].Reason == "" || res.Items[5].Reason != "未找到该儿童的记录" {
		t.Errorf("items %+v", res.Items)
	}
	// Nothing was written.
	for _, id := range []string{ids[0], ids[4]} {
		team, _ := s.Team(f.ctx, f.officer, id)
		if !slices.Contains(team.Missing, care.RoleTownshipCadre) || len(team.History) != 0 {
			t.Errorf("refused bulk wrote %+v", team)
		}
	}
	// With Replace and the out-of-scope child left out, it applies.
	in.Replace, in.ChildIDs = true, ids
	res, err = s.BulkAssign(f.ctx, f.officer, in)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Applied || res.Assigned != 4 || res.Reassigned != 1 || res.Refused != 0 {
		t.Fatalf("bulk %+v", res)
	}
	// Again, by region: nothing changes.
	res, err = s.BulkAssign(f.ctx, f.officer, care.BulkInput{AssignInput: in.AssignInput, Region: villageA1})
	if err != nil || !res.Applied || res.Unchanged != 5 {
		t.Fatalf("bulk by region: %v %+v", err, res)
	}
	for _, c := range []struct {
		name string
		v    access.Viewer
		in   care.BulkInput
		code errs.Code
	}{
		{"neither list nor region", f.officer, care.BulkInput{AssignInput: in.AssignInput}, errs.Invalid},
		{"both", f.officer, care.BulkInput{AssignInput: in.AssignInput, ChildIDs: ids, Region: villageA1}, errs.Invalid},
		{"region out of scope", f.officer, care.BulkInput{AssignInput: in.AssignInput, Region: otherVill}, errs.Invalid},
		{"region without children", f.officer, care.BulkInput{AssignInput: in.AssignInput, Region: villageB1}, errs.Invalid},
		{"not a writer", f.leader, care.BulkInput{AssignInput: in.AssignInput, Region: villageA1}, errs.Forbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := s.BulkAssign(f.ctx, c.v, c.in); errs.CodeOf(err) != c.code {
				t.Errorf("code %q, want %q: %v", errs.CodeOf(err), c.code, err)
			}
		})
	}
}
