package dashboard

import (
	"context"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/care"
	"guanai/internal/errs"
	"guanai/internal/needs"
	"guanai/internal/person"
	"guanai/internal/schools"
	"guanai/internal/storage"
)

// School returns the dashboard of a school in v's scope, broken down by
// class, counted from its pupils (a school is small enough to count on
// every request; a class-limited viewer sees their class only). Elders,
// population, volunteer hours and activities belong to regions, not
// schools: those figures are left out. A school outside v's scope gives
// errs.NotFound.
func (s *Service) School(ctx context.Context, v access.Viewer, id string) (Dashboard, error) {
	sc, err := s.schools.Get(ctx, v, strings.TrimSpace(id))
	if err != nil || (v.SchoolID != "" && v.SchoolID != sc.ID) {
		return Dashboard{}, errNode
	}
	node := Node{Kind: KindSchool, Code: sc.ID, Name: sc.Name, Drill: true}
	d := Dashboard{Node: node, Path: []Node{}, Today: s.today().Format("2006-01-02")}
	if top, whole := v.Subtree(); whole {
		// A region viewer reached the school from its region: the
		// breadcrumb runs through the region tree.
		path, err := s.regions.Path(ctx, sc.RegionCode)
		if err != nil {
			return Dashboard{}, err
		}
		if top == "" {
			d.Path = append(d.Path, Node{Kind: KindRegion, Code: "", Name: "全国", Drill: true})
		}
		for _, p := range path {
			if p.Code == top || v.InRegion(p.Code) {
				d.Path = append(d.Path, Node{Kind: KindRegion, Code: p.Code, Name: p.Name, Level: p.Level.Name(), Drill: true})
			}
		}
	}
	var kids []Node
	for _, c := range sc.Classes {
		if v.ClassID == "" || v.ClassID == c.ID {
			kids = append(kids, Node{Kind: KindClass, Code: c.ID, Name: schools.GradeLabel(c.Grade) + " " + c.Name})
		}
	}
	today := s.today()
	total, rows := facts{}, map[string]facts{}
	trend := make([]trendPoint, 12)
	err = s.db.Read(ctx, func(q storage.Querier) error {
		return countSchool(ctx, q, v, sc.ID, today, total, rows, trend)
	})
	if err != nil {
		return Dashboard{}, err
	}
	secs := build(node, total, kids, rows, trend)
	// What belongs to regions, not schools, is left out.
	drop := map[string]bool{"elders": true, "hours": true, "activities": true}
	out := secs[:0]
	for _, sec := range secs {
		if sec.ID == "services" {
			continue
		}
		var ms []Metric
		for _, m := range sec.Metrics {
			if drop[m.Key] || strings.HasPrefix(m.Key, "pop_") || strings.HasPrefix(m.Key, "rate") {
				continue
			}
			ms = append(ms, m)
		}
		sec.Metrics = ms
		var plot []string
		for _, p := range sec.Plot {
			if !drop[p] {
				plot = append(plot, p)
			}
		}
		sec.Plot = plot
		if sec.ID == "age" {
			sec.Title, sec.Note = "年龄段", "年龄按统计年度计算（当年年满周岁数）；学校不计算留守发生率（人口表按行政区划）。"
		}
		out = append(out, sec)
	}
	d.Sections = out
	return d, nil
}

// schoolWhere limits children (alias c) of a school to v's view.
func schoolWhere(v access.Viewer, school string) (string, []any) {
	w, args := v.Where("c.village_code", "c.school_id", "c.class_id")
	return "c.school_id = ? AND c.archived_at IS NULL AND " + w, append([]any{school}, args...)
}

// countSchool counts a school's facts, by class, and its trend.
func countSchool(ctx context.Context, q storage.Querier, v access.Viewer, school string, today time.Time, total facts, rows map[string]facts, trend []trendPoint) error {
	where, args := schoolWhere(v, school)
	row := func(class string) facts {
		if rows[class] == nil {
			rows[class] = facts{}
		}
		return rows[class]
	}
	both := func(class string, fact string, n float64) {
		total[fact] += n
		if class != "" {
			row(class)[fact] += n
		}
	}
	// The pupils, with what the proxies are judged by: a current
	// principal at the school, homeroom teacher of the class, chief proxy
	// parent of the village.
	rs, err := q.QueryContext(ctx, `SELECT COALESCE(c.class_id, ''), c.left_behind, c.migrant, c.difficulty <> '', c.sex, c.ethnicity,
		c.left_behind_reason, c.birth_date, c.care_gaps,
		EXISTS (SELECT 1 FROM care_positions p WHERE p.kind = ? AND p.subject = c.school_id AND p.to_on IS NULL),
		EXISTS (SELECT 1 FROM care_positions p WHERE p.kind = ? AND p.subject = c.class_id AND p.to_on IS NULL),
		EXISTS (SELECT 1 FROM care_positions p WHERE p.kind = ? AND p.subject = c.village_code AND p.to_on IS NULL)
		FROM children c WHERE `+where,
		append([]any{care.PositionPrincipal, care.PositionHomeroom, care.PositionVillageProxy}, args...)...)
	if err != nil {
		return errs.Wrap(err, "dashboard: school")
	}
	defer rs.Close()
	year := today.Year()
	for rs.Next() {
		var class, sex, eth, reason string
		var lb, migrant, difficult, principal, homeroom, village bool
		var birth time.Time
		var gaps int
		if err := rs.Scan(&class, &lb, &migrant, &difficult, &sex, &eth, &reason, storage.Date{T: &birth}, &gaps, &principal, &homeroom, &village); err != nil {
			return errs.Wrap(err, "dashboard: school")
		}
		both(class, fActive, 1)
		if migrant {
			both(class, fMigrant, 1)
		}
		if difficult {
			both(class, fDifficulty, 1)
		}
		if !lb {
			continue
		}
		both(class, fLeftBehind, 1)
		for _, k := range lbKeys(birth.Year(), sex, eth, reason) {
			if f, ok := lbFact(k, year); ok {
				both(class, f, 1)
			}
		}
		has := func(gap string, ok bool) {
			if ok {
				both(class, fHas+gap, 1)
			}
		}
		has(care.GapTeam, gaps&(1<<len(care.TeamRoles)-1) == 0)
		for i, r := range care.TeamRoles {
			has(care.GapRole(r), gaps&(1<<i) == 0)
		}
		has(care.GapPairing, gaps&(1<<len(care.TeamRoles)) == 0)
		has(care.GapPrincipal, principal)
		has(care.GapHomeroom, class != "" && homeroom)
		has(care.GapVillageProxy, village)
	}
	if err := rs.Err(); err != nil {
		return errs.Wrap(err, "dashboard: school")
	}
	rs.Close()

	// Follow-ups of the last twelve months (windows and trend).
	ms := months(today)
	at := map[string]int{}
	for i, m := range ms {
		trend[i].month = m
		at[m] = i
	}
	from := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -11, 0)
	d30, d90 := today.AddDate(0, 0, -29), today.AddDate(0, 0, -89)
	fr, err := q.QueryContext(ctx, `SELECT COALESCE(c.class_id, ''), f.visited_on FROM followups f JOIN children c ON c.id = f.child_id
		WHERE f.visited_on >= ? AND f.visited_on <= ? AND `+where, append([]any{storage.DateArg(from), storage.DateArg(today)}, args...)...)
	if err != nil {
		return errs.Wrap(err, "dashboard: school follow-ups")
	}
	defer fr.Close()
	for fr.Next() {
		var class string
		var on time.Time
		if err := fr.Scan(&class, storage.Date{T: &on}); err != nil {
			return errs.Wrap(err, "dashboard: school follow-ups")
		}
		if !on.Before(d30) {
			both(class, fFU30, 1)
		}
		if !on.Before(d90) {
			both(class, fFU90, 1)
		}
		if i, ok := at[on.Format("2006-01")]; ok {
			trend[i].followups++
		}
	}
	if err := fr.Err(); err != nil {
		return errs.Wrap(err, "dashboard: school follow-ups")
	}
	fr.Close()

	// Needs: open and closed, and those raised in the last twelve months.
	nr, err := q.QueryContext(ctx, `SELECT COALESCE(c.class_id, ''), n.status, n.created_at FROM needs n JOIN children c ON c.id = n.child_id
		WHERE `+where, args...)
	if err != nil {
		return errs.Wrap(err, "dashboard: school needs")
	}
	defer nr.Close()
	for nr.Next() {
		var class, status string
		var at time.Time
		if err := nr.Scan(&class, &status, storage.Time{T: &at}); err != nil {
			return errs.Wrap(err, "dashboard: school needs")
		}
		switch {
		case needs.IsOpen(status):
			both(class, fNeedsOpen, 1)
		case status == needs.StatusClosed:
			both(class, fNeedsShut, 1)
		}
		if i, ok := atMonth(ms, at); ok {
			trend[i].raised++
		}
	}
	return errs.Wrap(nr.Err(), "dashboard: school needs")
}

// atMonth returns the index in ms of the month of t (in China).
func atMonth(ms []string, t time.Time) (int, bool) {
	m := t.In(person.China).Format("2006-01")
	for i, x := range ms {
		if x == m {
			return i, true
		}
	}
	return 0, false
}
