package care

import (
	"context"
	"strings"

	"guanai/internal/access"
	"guanai/internal/errs"
	"guanai/internal/regions"
)

// Chain is who answers for one child: the accountable leader of each of
// the five levels above the child's village, the care team, the proxy
// parents that follow from the child's school, class and village, and the
// mentors paired with the child. Phone numbers are shown only for those
// the viewer may contact.
type Chain struct {
	ChildID     string        `json:"child_id"`
	ChildName   string        `json:"child_name"`
	VillageCode string        `json:"village_code"`
	Place       string        `json:"place"`
	Leaders     []ChainLeader `json:"leaders"`
	Team        []Slot        `json:"team"`
	Proxies     []Proxy       `json:"proxies"`
	Mentors     []Pairing     `json:"mentors"`
}

// ChainLeader is the accountable leader of one level of the child's
// region path (Holder nil: none set).
type ChainLeader struct {
	Level      int       `json:"level"`
	LevelName  string    `json:"level_name"`
	RegionCode string    `json:"region_code"`
	RegionName string    `json:"region_name"`
	Holder     *Position `json:"holder"`
}

// Proxy is one of a child's three proxy parents, derived from the
// positions of the child's school, class and village (Holder nil: none —
// the child has no school or class, or the position is vacant).
type Proxy struct {
	Kind        string    `json:"kind"`
	KindLabel   string    `json:"kind_label"`
	Subject     string    `json:"subject"`
	SubjectName string    `json:"subject_name"`
	Holder      *Position `json:"holder"`
}

// Chain returns the responsibility chain of a child in v's view (a mentor:
// a child paired with them); others get errs.NotFound.
func (s *Store) Chain(ctx context.Context, v access.Viewer, childID string) (Chain, error) {
	q := s.db.Reader()
	c, err := s.child(ctx, q, v, childID)
	if err != nil {
		return Chain{}, err
	}
	cs := contactsOf(v)
	out := Chain{ChildID: c.ID, ChildName: c.Name, VillageCode: c.VillageCode, Leaders: []ChainLeader{}, Proxies: []Proxy{}}
	path, err := s.regions.Path(ctx, c.VillageCode)
	if err != nil {
		return Chain{}, err
	}
	names := make([]string, len(path))
	for i, r := range path {
		names[i] = r.Name
	}
	out.Place = strings.Join(names, regions.PathSeparator)
	// Every current position that bears on the child, in one query.
	subjects := []any{PositionLeader}
	marks := make([]string, 0, len(path))
	for _, r := range path {
		subjects, marks = append(subjects, r.Code), append(marks, "?")
	}
	conds := `(p.kind = ? AND p.subject IN (` + strings.Join(marks, ", ") + `)) OR (p.kind = ? AND p.subject = ?)`
	args := append(subjects, PositionVillageProxy, c.VillageCode)
	if c.SchoolID != "" {
		conds += ` OR (p.kind = ? AND p.subject = ?)`
		args = append(args, PositionPrincipal, c.SchoolID)
	}
	if c.ClassID != "" {
		conds += ` OR (p.kind = ? AND p.subject = ?)`
		args = append(args, PositionHomeroom, c.ClassID)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+positionCols+` FROM care_positions p WHERE p.to_on IS NULL AND (`+conds+`)`, args...)
	if err != nil {
		return Chain{}, errs.Wrap(err, "care: chain")
	}
	held := map[string]Position{}
	for rows.Next() {
		p, err := scanPosition(rows)
		if err != nil {
			rows.Close()
			return Chain{}, errs.Wrap(err, "care: chain")
		}
		if !cs.positionPhone(p) {
			p.Phone = ""
		}
		held[p.Kind+":"+p.Subject] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Chain{}, errs.Wrap(err, "care: chain")
	}
	for _, r := range path {
		l := ChainLeader{Level: int(r.Level), LevelName: r.Level.Name(), RegionCode: r.Code, RegionName: r.Name}
		if p, ok := held[PositionLeader+":"+r.Code]; ok {
			p.SubjectName = r.Name
			l.Holder = &p
		}
		out.Leaders = append(out.Leaders, l)
	}
	proxy := func(kind, subject, name string) {
		px := Proxy{Kind: kind, KindLabel: PositionLabel(kind), Subject: subject, SubjectName: name}
		if p, ok := held[kind+":"+subject]; ok && subject != "" {
			p.SubjectName = name
			px.Holder = &p
		}
		out.Proxies = append(out.Proxies, px)
	}
	schoolName, className := "", ""
	if c.SchoolID != "" {
		schoolName = s.subjectName(ctx, Position{Kind: PositionPrincipal, Subject: c.SchoolID})
	}
	if c.ClassID != "" {
		className = s.subjectName(ctx, Position{Kind: PositionHomeroom, Subject: c.ClassID})
	}
	proxy(PositionPrincipal, c.SchoolID, schoolName)
	proxy(PositionHomeroom, c.ClassID, className)
	proxy(PositionVillageProxy, c.VillageCode, out.Place)

	t, err := s.team(ctx, q, cs, c)
	if err != nil {
		return Chain{}, err
	}
	out.Team = t.Current
	mentors, err := s.Pairings(ctx, v, PairingFilter{ChildID: c.ID})
	if err != nil {
		return Chain{}, err
	}
	out.Mentors = mentors
	return out, nil
}
