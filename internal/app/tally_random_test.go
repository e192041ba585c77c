package app_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/care"
	"guanai/internal/children"
	"guanai/internal/demo"
	"guanai/internal/elders"
	"guanai/internal/errs"
	"guanai/internal/followup"
	"guanai/internal/idcard"
	"guanai/internal/menu"
	"guanai/internal/needs"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/storage"
	"guanai/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

// randomOps is how many random operations TestTalliesExactUnderRandomOps
// applies; the counters are compared with a recount every checkEvery.
const (
	randomOps  = 2000
	checkEvery = 500
)

// TestTalliesExactUnderRandomOps loads the demonstration data, then
// applies thousands of random operations through the domain stores —
// children registered, edited (birth date, sex, ethnicity, parents'
// status and so their classification, migrant and difficulty facts,
// village), archived and restored; care team members assigned and ended,
// pairings made and ended; follow-ups recorded; needs raised, matched,
// delivered, closed and cancelled; elders registered, moved, archived and
// restored; days passing with the daily reclassification — and compares
// every domain's counters (app.Tallies) with a from-scratch recount every
// 500 operations and at the end. The seed is logged; GUANAI_SEED replays
// a run.
func TestTalliesExactUnderRandomOps(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("GUANAI_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("GUANAI_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("seed %d (GUANAI_SEED=%d replays this run)", seed, seed)
	r := newRandomRun(t, seed)
	start := time.Now()
	for i := 1; i <= randomOps; i++ {
		r.step()
		if i%checkEvery == 0 || i == randomOps {
			apptest.CheckTallies(t, r.a)
			apptest.CheckDashboards(t, r.a)
			if t.Failed() {
				t.Fatalf("after %d operations (seed %d): counters differ from the recount; last operations: %v", i, seed, r.last)
			}
		}
	}
	t.Logf("%s: %d operations in %.1fs (demo loaded in %.1fs): %v; refused %d: %v", testdb.Engine(), randomOps,
		time.Since(start).Seconds(), r.loaded.Seconds(), r.done, r.refused, r.refusedBy)
	if r.refused > randomOps/4 {
		t.Errorf("%d of %d operations were refused: the test exercises too little", r.refused, randomOps)
	}
}

type randomRun struct {
	t       *testing.T
	ctx     context.Context
	a       *app.App
	clock   *apptest.Clock
	rng     *rand.Rand
	sys     access.Viewer
	officer access.Viewer
	loaded  time.Duration

	villages   []string
	children   []string
	elders     []string
	volunteers map[string]string // id → region code
	seq        int

	done      map[string]int
	refused   int
	refusedBy map[string]int // "op: message" → count
	last      []string
}

func newRandomRun(t *testing.T, seed uint64) *randomRun {
	ctx := context.Background()
	clock := &apptest.Clock{T: time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)}
	a := apptest.NewAt(t, clock.Now)
	begin := time.Now()
	if _, err := demo.Load(ctx, a, io.Discard); err != nil {
		t.Fatalf("demo: %v", err)
	}
	r := &randomRun{t: t, ctx: ctx, a: a, clock: clock, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), sys: access.System(),
		loaded: time.Since(begin), volunteers: map[string]string{}, done: map[string]int{}, refusedBy: map[string]int{}}
	apptest.CheckTallies(t, a) // the demonstration's counters are exact
	u, err := a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: "random.officer", Name: "随机督导员", Phone: "13900000000",
		RegionCode: "530000000000", Roles: []string{accounts.RoleOfficer}, Active: true, Password: "Care#Pass9word"}, false)
	if err != nil {
		t.Fatal(err)
	}
	r.officer = accounts.ViewerFor(u, "127.0.0.1")
	r.villages = r.strings(`SELECT DISTINCT village_code FROM children ORDER BY village_code`)
	// A few villages of another county and another township, so that
	// moves cross every level.
	for _, town := range []string{"530524102000", "530102001000"} {
		rs, err := a.Regions.Children(ctx, town)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(rs) && i < 2; i++ {
			r.villages = append(r.villages, rs[i].Code)
		}
	}
	r.children = r.strings(`SELECT id FROM children ORDER BY id`)
	r.elders = r.strings(`SELECT id FROM elders ORDER BY id`)
	rows, err := a.DB.Reader().QueryContext(ctx, `SELECT id, region_code FROM volunteers WHERE archived_at IS NULL ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, region string
		if err := rows.Scan(&id, &region); err != nil {
			t.Fatal(err)
		}
		r.volunteers[id] = region
	}
	if len(r.villages) < 10 || len(r.children) < 100 || len(r.elders) == 0 {
		t.Fatalf("demo: %d villages, %d children, %d elders", len(r.villages), len(r.children), len(r.elders))
	}
	return r
}

func (r *randomRun) strings(q string, args ...any) []string {
	r.t.Helper()
	rows, err := r.a.DB.Reader().QueryContext(r.ctx, q, args...)
	if err != nil {
		r.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			r.t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func (r *randomRun) pick(xs []string) string { return xs[r.rng.IntN(len(xs))] }

func (r *randomRun) today() time.Time { return person.Today(r.clock.T) }

// ok records an operation's outcome: refusals the random inputs can earn
// (invalid, conflict, forbidden, not found) are counted; anything else
// fails the test.
func (r *randomRun) ok(op string, err error) {
	r.t.Helper()
	r.last = append(r.last, op)
	if len(r.last) > 8 {
		r.last = r.last[1:]
	}
	if err == nil {
		r.done[op]++
		return
	}
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Conflict, errs.Forbidden, errs.NotFound:
		r.refused++
		r.refusedBy[op+": "+errs.As(err).Message]++
		r.last[len(r.last)-1] += ": " + err.Error()
		return
	}
	r.t.Fatalf("%s: %v", op, err)
}

var ethnicities = []string{"汉族", "彝族", "傣族", "苗族", "白族", "佤族"}

var parentStatuses = []children.ParentStatus{children.ParentHome, children.ParentAway, children.ParentAway, children.ParentAway,
	children.ParentDeceased, children.ParentIncapable, children.ParentUnknown}

// birth returns a birth date of a child 0 to 17 years old today.
func (r *randomRun) birth() time.Time {
	return r.today().AddDate(-17, 0, 1+r.rng.IntN(17*365))
}

func (r *randomRun) sex() string { return []string{person.Male, person.Female}[r.rng.IntN(2)] }

// idNumber returns an ID number for a birth date and sex; different calls
// rarely collide (a collision is refused as a duplicate).
func (r *randomRun) idNumber(birth time.Time, sex string) string {
	r.seq++
	return idcard.Generate("530524", birth, r.rng.IntN(500), sex)
}

func (r *randomRun) step() {
	switch n := r.rng.IntN(100); {
	case n < 10:
		r.createChild()
	case n < 35:
		r.editChild()
	case n < 42:
		r.archiveChild()
	case n < 55:
		r.assign()
	case n < 60:
		r.endMember()
	case n < 64:
		r.pair()
	case n < 66:
		r.endPairing()
	case n < 78:
		r.recordFollowup()
	case n < 83:
		r.raiseNeed()
	case n < 90:
		r.actOnNeed()
	case n < 94:
		r.createElder()
	case n < 97:
		r.editElder()
	case n < 99:
		r.archiveElder()
	default:
		r.passDays()
	}
}

func (r *randomRun) createChild() {
	b, sex := r.birth(), r.sex()
	in := children.Input{IDNumber: r.idNumber(b, sex), Name: "随机儿童", Sex: sex, BirthDate: b.Format(storage.DateLayout),
		Ethnicity: r.pick(ethnicities), Hukou: children.HukouRural, VillageCode: r.pick(r.villages),
		FatherStatus: parentStatuses[r.rng.IntN(len(parentStatuses))], MotherStatus: parentStatuses[r.rng.IntN(len(parentStatuses))],
		GuardianName: "王奶奶", GuardianRelation: "祖母"}
	if r.rng.IntN(10) == 0 {
		in.Migrant = true
	}
	if r.rng.IntN(8) == 0 {
		in.Difficulty = []string{children.Difficulties[r.rng.IntN(len(children.Difficulties))]}
	}
	if r.rng.IntN(5) == 0 {
		// Several at once, all or nothing.
		in2 := in
		b2 := r.birth()
		in2.IDNumber, in2.BirthDate, in2.VillageCode = r.idNumber(b2, sex), b2.Format(storage.DateLayout), r.pick(r.villages)
		ids, err := r.a.Children.CreateMany(r.ctx, r.sys, []children.Input{in, in2})
		r.ok("create children", err)
		r.children = append(r.children, ids...)
		return
	}
	c, err := r.a.Children.Create(r.ctx, r.sys, in)
	r.ok("create child", err)
	if err == nil {
		r.children = append(r.children, c.ID)
	}
}

func (r *randomRun) editChild() {
	c, err := r.a.Children.GetRevealed(r.ctx, r.sys, r.pick(r.children))
	if err != nil {
		r.t.Fatal(err)
	}
	in := children.InputOf(c)
	for range 1 + r.rng.IntN(3) {
		switch r.rng.IntN(9) {
		case 0:
			b := r.birth()
			in.BirthDate, in.IDNumber = b.Format(storage.DateLayout), r.idNumber(b, in.Sex)
		case 1:
			b, _ := time.Parse(storage.DateLayout, in.BirthDate)
			in.Sex = r.sex()
			in.IDNumber = r.idNumber(b, in.Sex)
		case 2:
			in.Ethnicity = r.pick(ethnicities)
		case 3:
			in.FatherStatus = parentStatuses[r.rng.IntN(len(parentStatuses))]
		case 4:
			in.MotherStatus = parentStatuses[r.rng.IntN(len(parentStatuses))]
		case 5:
			in.Migrant = !in.Migrant
		case 6:
			if len(in.Difficulty) == 0 {
				in.Difficulty = []string{children.Difficulties[r.rng.IntN(len(children.Difficulties))]}
			} else {
				in.Difficulty = nil
			}
		case 7:
			in.Hukou = []string{children.HukouRural, children.HukouUrban}[r.rng.IntN(2)]
		default:
			// A move: the school stays behind.
			in.VillageCode, in.SchoolID, in.ClassID, in.Grade = r.pick(r.villages), "", "", 0
		}
	}
	_, err = r.a.Children.Update(r.ctx, r.sys, c.ID, c.Version, in)
	r.ok("edit child", err)
}

func (r *randomRun) archiveChild() {
	id := r.pick(r.children)
	if archived := r.strings(`SELECT id FROM children WHERE archived_at IS NOT NULL ORDER BY id`); len(archived) > 0 && r.rng.IntN(3) == 0 {
		id = r.pick(archived) // a restore, more often than chance would
	}
	c, err := r.a.Children.Get(r.ctx, r.sys, id)
	if err != nil {
		r.t.Fatal(err)
	}
	if c.Archived {
		_, err = r.a.Children.Restore(r.ctx, r.sys, c.ID, c.Version)
		r.ok("restore child", err)
		return
	}
	_, err = r.a.Children.Archive(r.ctx, r.sys, c.ID, c.Version, "迁出")
	r.ok("archive child", err)
}

// activeLeftBehind returns a random active left-behind child, or "".
func (r *randomRun) activeLeftBehind() string {
	for range 20 {
		c, err := r.a.Children.Get(r.ctx, r.sys, r.pick(r.children))
		if err != nil {
			r.t.Fatal(err)
		}
		if c.LeftBehind && !c.Archived {
			return c.ID
		}
	}
	return ""
}

func (r *randomRun) assign() {
	id := r.activeLeftBehind()
	if id == "" {
		return
	}
	role := r.pick(care.TeamRoles)
	in := care.AssignInput{Role: role, Replace: true}
	switch role {
	case care.RoleGuardian, care.RoleNeighbour:
		r.seq++
		in.Name, in.Phone, in.Relation = "张阿姨", fmt.Sprintf("138%08d", r.seq), "邻居"
	default:
		ps, err := r.a.Care.Candidates(r.ctx, r.sys, care.CandidateFilter{ChildID: id, Role: role, Limit: 5})
		if err != nil {
			r.t.Fatal(err)
		}
		if len(ps) == 0 {
			return
		}
		in.UserID = ps[r.rng.IntN(len(ps))].UserID
	}
	_, err := r.a.Care.Assign(r.ctx, r.sys, id, in)
	r.ok("assign "+role, err)
}

func (r *randomRun) endMember() {
	ids := r.strings(`SELECT id FROM care_members WHERE to_on IS NULL ORDER BY id`)
	if len(ids) == 0 {
		return
	}
	_, err := r.a.Care.EndMember(r.ctx, r.sys, r.pick(ids), care.EndInput{Reason: "调整"})
	r.ok("end member", err)
}

func (r *randomRun) pair() {
	id := r.activeLeftBehind()
	if id == "" {
		return
	}
	ps, err := r.a.Care.Candidates(r.ctx, r.sys, care.CandidateFilter{ChildID: id, Pairing: true, Limit: 5})
	if err != nil {
		r.t.Fatal(err)
	}
	if len(ps) == 0 {
		return
	}
	_, err = r.a.Care.Pair(r.ctx, r.sys, care.PairingInput{ChildID: id, MentorID: ps[r.rng.IntN(len(ps))].UserID, Kind: r.pick(care.PairingKinds)})
	r.ok("pair", err)
}

func (r *randomRun) endPairing() {
	ids := r.strings(`SELECT id FROM pairings WHERE to_on IS NULL ORDER BY id`)
	if len(ids) == 0 {
		return
	}
	_, err := r.a.Care.EndPairing(r.ctx, r.sys, r.pick(ids), care.EndInput{Reason: "结束"})
	r.ok("end pairing", err)
}

func (r *randomRun) recordFollowup() {
	in := followup.Input{ChildID: r.pick(r.children), VisitedOn: r.today().AddDate(0, 0, -r.rng.IntN(120)).Format(storage.DateLayout)}
	if r.rng.IntN(6) == 0 {
		in.Needs = []followup.NeedInput{{Kind: r.pick(menu.Kinds), Description: "随访发现"}}
	}
	_, err := r.a.Followups.Record(r.ctx, r.officer, in)
	r.ok("record follow-up", err)
}

func (r *randomRun) raiseNeed() {
	_, err := r.a.Needs.Create(r.ctx, r.officer, needs.Input{ChildID: r.pick(r.children), Kind: r.pick(menu.Kinds), Description: "直接登记"})
	r.ok("raise need", err)
}

func (r *randomRun) actOnNeed() {
	ids := r.strings(`SELECT id FROM needs WHERE status IN (?, ?, ?) ORDER BY id`, needs.StatusOpen, needs.StatusMatched, needs.StatusDelivered)
	if len(ids) == 0 {
		return
	}
	n, err := r.a.Needs.Get(r.ctx, r.officer, r.pick(ids))
	if err != nil {
		r.t.Fatal(err)
	}
	act := needs.Action{Version: n.Version}
	switch n.Status {
	case needs.StatusOpen:
		act.Action, act.Note = needs.ActCancel, "重复登记"
		for id, region := range r.volunteers {
			if lo, hi := regions.Range(region); n.VillageCode >= lo && n.VillageCode < hi && r.rng.IntN(4) != 0 {
				act.Action, act.Note, act.VolunteerID = needs.ActMatch, "", id
				break
			}
		}
	case needs.StatusMatched:
		switch r.rng.IntN(4) {
		case 0:
			act.Action, act.Note = needs.ActUnmatch, "志愿者无法前往"
		case 1:
			act.Action, act.Note = needs.ActCancel, "需求已消失"
		default:
			act.Action = needs.ActDeliver
		}
	case needs.StatusDelivered:
		act.Action, act.Note = needs.ActClose, "已解决"
	}
	_, err = r.a.Needs.Act(r.ctx, r.officer, n.ID, act)
	r.ok("need "+act.Action, err)
}

func (r *randomRun) createElder() {
	b := r.today().AddDate(-60-r.rng.IntN(30), 0, -r.rng.IntN(365))
	sex := r.sex()
	in := elders.Input{IDNumber: r.idNumber(b, sex), Name: "随机老人", Sex: sex, BirthDate: b.Format(storage.DateLayout),
		VillageCode: r.pick(r.villages), Living: r.pick(elders.LivingKinds), ChildrenAway: 1 + r.rng.IntN(3)}
	if r.rng.IntN(4) == 0 {
		in2 := in
		b2 := b.AddDate(-1, 0, 0)
		in2.IDNumber, in2.BirthDate, in2.VillageCode = r.idNumber(b2, sex), b2.Format(storage.DateLayout), r.pick(r.villages)
		ids, err := r.a.Elders.CreateMany(r.ctx, r.sys, []elders.Input{in, in2})
		r.ok("create elders", err)
		r.elders = append(r.elders, ids...)
		return
	}
	e, err := r.a.Elders.Create(r.ctx, r.sys, in)
	r.ok("create elder", err)
	if err == nil {
		r.elders = append(r.elders, e.ID)
	}
}

func (r *randomRun) editElder() {
	e, err := r.a.Elders.GetRevealed(r.ctx, r.sys, r.pick(r.elders))
	if err != nil {
		r.t.Fatal(err)
	}
	in := elders.InputOf(e)
	in.VillageCode = r.pick(r.villages)
	if r.rng.IntN(2) == 0 {
		in.Living = r.pick(elders.LivingKinds)
	}
	_, err = r.a.Elders.Update(r.ctx, r.sys, e.ID, e.Version, in)
	r.ok("edit elder", err)
}

func (r *randomRun) archiveElder() {
	id := r.pick(r.elders)
	if archived := r.strings(`SELECT id FROM elders WHERE archived_at IS NOT NULL ORDER BY id`); len(archived) > 0 && r.rng.IntN(3) == 0 {
		id = r.pick(archived)
	}
	e, err := r.a.Elders.Get(r.ctx, r.sys, id)
	if err != nil {
		r.t.Fatal(err)
	}
	if e.Archived {
		_, err = r.a.Elders.Restore(r.ctx, r.sys, e.ID, e.Version)
		r.ok("restore elder", err)
		return
	}
	_, err = r.a.Elders.Archive(r.ctx, r.sys, e.ID, e.Version, "去世")
	r.ok("archive elder", err)
}

// passDays moves the clock on and runs the daily reclassification.
func (r *randomRun) passDays() {
	r.clock.T = r.clock.T.AddDate(0, 0, 1+r.rng.IntN(60))
	_, err := r.a.Children.Reclassify(r.ctx, r.today())
	r.ok("reclassify", err)
}
