// Package demo loads demonstration data that looks like the programme: the
// pilot town 大田坝镇 (昌宁县, 保山市) with its schools and some 700
// children, about 2,500 more children in forty townships across ten other
// prefectures of Yunnan, and about 400 left-behind elders in the same
// villages; in the pilot town, part of the care network too (leaders,
// proxy parents, care teams and pairings, with gaps left on purpose). Everything is generated from a fixed seed, so every load writes
// the same people (apart from record ids and timestamps); ages are counted
// back from the day of the load, so the data passes validation whenever it
// is loaded.
package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/app"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/schools"
	"guanai/internal/storage"
)

// Summary says what Load registered. When the data was already there,
// Skipped is set and the counts are zero.
type Summary struct {
	Schools    int
	Classes    int
	Children   int
	LeftBehind int // children classified as rural left-behind on the day of the load
	Elders     int
	// Care is what was set up of the care network (the pilot town).
	Care CareSummary
	// Volunteers is what was set up of volunteers and activities.
	Volunteers VolunteerSummary
	// Followups is what was set up of follow-ups (the pilot town).
	Followups FollowupSummary
	// Services is what was set up of the service menu, needs and
	// one-to-one help (the pilot town).
	Services ServicesSummary
	// Population is what was declared of the population table (the
	// incidence rate's denominator).
	Population PopulationSummary
	Skipped    bool
}

// Settings keys Load writes.
const (
	// LoadedKey marks the data as loaded; it is written in the same
	// transaction as the last batch.
	LoadedKey = "demo_loaded"
	// DateKey holds the date the ages were counted from, so that a load
	// interrupted and run again on a later day writes the same people.
	DateKey = "demo_date"
)

// PilotTown is the pilot town 大田坝镇 of 昌宁县, every village of which gets
// children.
const PilotTown = "530524107000"

// Prefectures are the other prefectures (4-digit codes) whose townships get
// children: 昆明, 曲靖, 昭通, 临沧, 红河, 文山, 大理, 德宏, 怒江 and 迪庆.
var Prefectures = []string{"5301", "5303", "5306", "5309", "5325", "5326", "5329", "5331", "5333", "5334"}

const (
	seed1, seed2 = 2023_2025, 530524107 // the action plan's years, the pilot town

	pilotChildren         = 700
	minChildren           = 45 // per other township; the range averages 62.5
	maxChildren           = 80
	countiesPerPrefecture = 2
	townshipsPerCounty    = 2
	eldersPerChildren     = 8 // one elder for this many children
	batchSize             = 500
)

// Load writes the demonstration data through the domain stores, as the
// system viewer: schools and classes, then children in batches of 500
// (each batch one transaction, all of it or none), then the elders, the
// last batch of which commits together with the LoadedKey setting. When
// that setting is present Load returns at once with Skipped set. A load
// that was interrupted can be run again: batches already written are
// recognised and left alone. Progress lines, in Chinese, go to out (may be
// nil).
func Load(ctx context.Context, a *app.App, out io.Writer) (Summary, error) {
	if out == nil {
		out = io.Discard
	}
	start := time.Now()
	q := a.DB.Reader()
	if _, ok, err := setting(ctx, q, LoadedKey); err != nil || ok {
		if ok {
			fmt.Fprintln(out, "演示数据已载入，跳过")
		}
		return Summary{Skipped: ok}, err
	}
	today, err := referenceDate(ctx, a)
	if err != nil {
		return Summary{}, err
	}
	fmt.Fprintf(out, "正在生成演示数据（年龄按 %s 计算）…\n", today.Format(time.DateOnly))
	g := newGen(today)
	p, err := g.build(ctx, a.Regions)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Schools: len(p.schools), Children: len(p.pupils), Elders: len(p.elders)}
	asOf := person.Today(a.DB.Now())
	for _, pu := range p.pupils {
		birth, _ := person.ParseDate(pu.in.BirthDate)
		c := children.Classify(children.Facts{BirthDate: birth, Hukou: pu.in.Hukou, Father: pu.in.FatherStatus, Mother: pu.in.MotherStatus}, asOf)
		if c.LeftBehind {
			sum.LeftBehind++
		}
	}

	v := access.System()
	if sum.Classes, err = createSchools(ctx, a, v, p.schools); err != nil {
		return Summary{}, err
	}
	fmt.Fprintf(out, "已创建学校 %d 所、班级 %d 个\n", sum.Schools, sum.Classes)

	ins := make([]children.Input, len(p.pupils))
	for i, pu := range p.pupils {
		ins[i] = pu.in
		if pu.school != nil {
			ins[i].SchoolID = pu.school.id
			ins[i].ClassID = pu.school.classIDs[pu.grade][pu.class]
		}
	}
	for i := 0; i < len(ins); i += batchSize {
		batch := ins[i:min(i+batchSize, len(ins))]
		done, err := stored(ctx, a, "children", "child", batch[0].IDNumber)
		if err != nil {
			return Summary{}, err
		}
		if !done {
			if _, err := a.Children.CreateMany(ctx, v, batch); err != nil {
				return Summary{}, fmt.Errorf("demo: children %d–%d: %w", i+1, i+len(batch), err)
			}
		}
		fmt.Fprintf(out, "已登记儿童 %d/%d 名\n", i+len(batch), len(ins))
	}

	if sum.Care, err = loadCare(ctx, a, p, out); err != nil {
		return Summary{}, err
	}
	if sum.Volunteers, err = loadVolunteers(ctx, a, out); err != nil {
		return Summary{}, err
	}
	if sum.Followups, err = loadFollowups(ctx, a, out); err != nil {
		return Summary{}, err
	}
	if sum.Services, err = loadServices(ctx, a, out); err != nil {
		return Summary{}, err
	}
	if sum.Population, err = loadPopulation(ctx, a, p, today, out); err != nil {
		return Summary{}, err
	}

	last := 0 // where the last batch of elders starts
	if n := len(p.elders); n > 0 {
		last = (n - 1) / batchSize * batchSize
	}
	for i := 0; i < last; i += batchSize {
		batch := p.elders[i : i+batchSize]
		done, err := stored(ctx, a, "elders", "elder", batch[0].IDNumber)
		if err != nil {
			return Summary{}, err
		}
		if !done {
			if _, err := a.Elders.CreateMany(ctx, v, batch); err != nil {
				return Summary{}, fmt.Errorf("demo: elders %d–%d: %w", i+1, i+len(batch), err)
			}
		}
	}
	err = a.DB.Write(ctx, func(tx *storage.Tx) error {
		if last < len(p.elders) {
			if _, err := a.Elders.CreateManyTx(ctx, tx, v, p.elders[last:]); err != nil {
				return fmt.Errorf("demo: elders %d–%d: %w", last+1, len(p.elders), err)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, LoadedKey,
			fmt.Sprintf("%s 学校%d 班级%d 儿童%d 老人%d", tx.Now.Format(time.RFC3339), sum.Schools, sum.Classes, sum.Children, sum.Elders))
		return err
	})
	if err != nil {
		return Summary{}, errs.Wrap(err, "demo: elders")
	}
	fmt.Fprintf(out, "已登记留守老人 %d 名\n", sum.Elders)
	fmt.Fprintf(out, "演示数据载入完成：学校 %d 所，班级 %d 个，儿童 %d 名（其中农村留守儿童 %d 名），留守老人 %d 名，用时 %.1f 秒\n",
		sum.Schools, sum.Classes, sum.Children, sum.LeftBehind, sum.Elders, time.Since(start).Seconds())
	return sum, nil
}

// setting reads a settings value; ok is false when the key is absent.
func setting(ctx context.Context, q storage.Querier, key string) (string, bool, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, errs.Wrap(err, "demo: read setting")
	}
	return v, true, nil
}

// referenceDate returns the date ages are counted from: today in China on
// the first load, or the date an interrupted load used.
func referenceDate(ctx context.Context, a *app.App) (time.Time, error) {
	var d time.Time
	err := a.DB.Write(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
			DateKey, person.Today(tx.Now).Format(time.DateOnly)); err != nil {
			return err
		}
		v, _, err := setting(ctx, tx, DateKey)
		if err != nil {
			return err
		}
		var ok bool
		if d, ok = person.ParseDate(v); !ok {
			return fmt.Errorf("setting %s = %q is not a date", DateKey, v)
		}
		return nil
	})
	return d, errs.Wrap(err, "demo: reference date")
}

// stored reports whether the person with the ID number is already in the
// table (children or elders; kind is the hash space), which means an
// earlier, interrupted load wrote the batch the person starts.
func stored(ctx context.Context, a *app.App, table, kind, idNumber string) (bool, error) {
	var n int
	err := a.DB.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id_hash = ?`, a.Vault.Hash(kind, idNumber)).Scan(&n)
	return n > 0, errs.Wrap(err, "demo: look up "+table)
}

// createSchools creates the schools and their classes, or finds those an
// interrupted load created, and fills in their ids. It returns the number
// of classes.
func createSchools(ctx context.Context, a *app.App, v access.Viewer, ss []*school) (int, error) {
	n := 0
	for _, s := range ss {
		existing, err := a.Schools.List(ctx, v, schools.Filter{Region: s.in.RegionCode, Query: s.in.Name, Limit: 500})
		if err != nil {
			return 0, err
		}
		have := map[string]string{} // grade/name → class id
		for _, e := range existing.Schools {
			if e.Name == s.in.Name && e.RegionCode == s.in.RegionCode {
				full, err := a.Schools.Get(ctx, v, e.ID)
				if err != nil {
					return 0, err
				}
				s.id = full.ID
				for _, c := range full.Classes {
					have[fmt.Sprint(c.Grade, "/", c.Name)] = c.ID
				}
			}
		}
		if s.id == "" {
			created, err := a.Schools.Create(ctx, v, s.in)
			if err != nil {
				return 0, fmt.Errorf("demo: school %s: %w", s.in.Name, err)
			}
			s.id = created.ID
		}
		s.classIDs = map[int][]string{}
		for _, grade := range s.grades {
			for _, name := range s.classes[grade] {
				id, ok := have[fmt.Sprint(grade, "/", name)]
				if !ok {
					c, err := a.Schools.AddClass(ctx, v, s.id, grade, name)
					if err != nil {
						return 0, fmt.Errorf("demo: class %s %s: %w", s.in.Name, name, err)
					}
					id = c.ID
				}
				s.classIDs[grade] = append(s.classIDs[grade], id)
				n++
			}
		}
	}
	return n, nil
}

// build walks the region tree and generates the plan: the pilot town
// first, then townships of the other prefectures.
func (g *gen) build(ctx context.Context, rs *regions.Store) (*plan, error) {
	ts, err := g.townships(ctx, rs)
	if err != nil {
		return nil, err
	}
	p := &plan{}
	for _, t := range ts {
		g.addSchools(p, t)
	}
	for _, t := range ts {
		g.populate(p, t)
	}
	return p, g.err
}

// townships picks the townships: the pilot town with all its villages,
// and in each of Prefectures two rural counties (县) and in each of those
// two towns or townships (镇, 乡) with their village committees (村委会),
// chosen by the seeded random source from the tree in code order.
func (g *gen) townships(ctx context.Context, rs *regions.Store) ([]*township, error) {
	pilot, err := rs.Get(ctx, PilotTown)
	if err != nil {
		return nil, fmt.Errorf("demo: pilot town: %w", err)
	}
	county, err := rs.Get(ctx, regions.ParentOf(pilot.Code))
	if err != nil {
		return nil, err
	}
	villages, err := rs.Children(ctx, PilotTown)
	if err != nil {
		return nil, err
	}
	if len(villages) == 0 {
		return nil, errors.New("demo: the pilot town has no villages: load the region tree with villages (GUANAI_REGIONS=base or all)")
	}
	ts := []*township{{region: pilot, county: county, prefecture: pilot.Code[:4], villages: villages, target: pilotChildren,
		ethnicities: ethnicitiesFor(pilot.Code[:4], county.Name), pilot: true}}
	for _, pref := range Prefectures {
		counties, err := rs.Children(ctx, pref)
		if err != nil {
			return nil, err
		}
		counties = prefer(counties, func(r regions.Region) bool { return strings.HasSuffix(r.Name, "县") }, countiesPerPrefecture)
		picked := 0
		for _, i := range g.r.Perm(len(counties)) {
			if picked == countiesPerPrefecture {
				break
			}
			c := counties[i]
			towns, err := rs.Children(ctx, c.Code)
			if err != nil {
				return nil, err
			}
			// Township codes 1xx are towns (镇), 2xx townships (乡), 0xx
			// urban sub-districts (街道).
			towns = prefer(towns, func(r regions.Region) bool { return r.Code[6] == '1' || r.Code[6] == '2' }, townshipsPerCounty)
			n := 0
			for _, j := range g.r.Perm(len(towns)) {
				if n == townshipsPerCounty {
					break
				}
				vs, err := rs.Children(ctx, towns[j].Code)
				if err != nil {
					return nil, err
				}
				// Village codes 2xx are village committees (村委会), 0xx
				// residents' committees (社区).
				vs = prefer(vs, func(r regions.Region) bool { return r.Code[9] == '2' }, 1)
				if len(vs) == 0 {
					continue
				}
				ts = append(ts, &township{region: towns[j], county: c, prefecture: pref, villages: vs,
					target: minChildren + g.r.IntN(maxChildren-minChildren+1), ethnicities: ethnicitiesFor(pref, c.Name)})
				n++
			}
			if n > 0 {
				picked++
			}
		}
	}
	return ts, nil
}

// prefer returns the regions that satisfy ok, or all of them when fewer
// than want do.
func prefer(rs []regions.Region, ok func(regions.Region) bool, want int) []regions.Region {
	var out []regions.Region
	for _, r := range rs {
		if ok(r) {
			out = append(out, r)
		}
	}
	if len(out) < want {
		return rs
	}
	return out
}

// populate generates the families of t, about t.target children in all,
// each family in a village drawn with a weight between 50 and 150 (so a
// village has up to three times another's share), then its left-behind
// elders: grandparent guardians of 60 and over living with their
// grandchildren, and others living alone, with a spouse or otherwise.
func (g *gen) populate(p *plan, t *township) {
	var villages table[string]
	for _, v := range t.villages {
		villages = append(villages, choice[string]{v.Code, 50 + g.r.IntN(101)})
	}
	byCode := map[string]regions.Region{}
	for _, v := range t.villages {
		byCode[v.Code] = v
	}
	made := 0
	var candidates []elders.Input
	for made < t.target {
		f := g.newFamily(t, byCode[villages.pick(g.r)])
		made += g.kids(p, t, f)
		if e, ok := g.elderOf(f); ok {
			candidates = append(candidates, e)
		}
	}
	target := (made + eldersPerChildren/2) / eldersPerChildren
	withGrandchildren := 0
	for _, e := range candidates {
		if withGrandchildren >= target/4 {
			break
		}
		if g.percent(70) {
			p.elders = append(p.elders, e)
			withGrandchildren++
		}
	}
	for range target - withGrandchildren {
		p.elders = append(p.elders, g.newElder(t, t.villages[g.r.IntN(len(t.villages))]))
	}
}
