package care

import (
	"context"
	"strings"

	"guanai/internal/access"
	"guanai/internal/errs"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// CandidateFilter says which place the candidates are for: a team role of
// a child (ChildID and Role), a pairing (Pairing; with ChildID, for that
// child), or a position (Kind and Subject). Query narrows by part of the
// name or username; Limit defaults to 20, at most 100.
type CandidateFilter struct {
	ChildID, Role string
	Pairing       bool
	Kind, Subject string
	Query         string
	Limit         int
}

// Candidates returns the active users v may pick for a place — the users
// Assign, Pair and SetPosition would accept there: for a cadre role the
// leaders and officers of the child's county, township or village (that
// very level); for the teacher the teachers and principal of the child's
// school; for a pairing the mentors and cadres whose region holds the
// child's village (no child: those of v's scope); for a principal the
// school's principal, for a homeroom teacher the school's teachers, for a
// village proxy the cadres whose region holds the village, for a leader
// the cadres of the node itself. Guardians and neighbours are usually not
// users: none are offered. Phone numbers are shown to those who may
// contact them. A viewer who may not make the assignment gets
// errs.Forbidden, a place out of scope errs.NotFound.
func (s *Store) Candidates(ctx context.Context, v access.Viewer, f CandidateFilter) ([]Person, error) {
	if f.Limit <= 0 {
		f.Limit = 20
	}
	f.Limit = min(f.Limit, 100)
	q := s.db.Reader()
	var roles []string
	var conds []string
	var args []any
	switch {
	case f.Kind != "":
		if !mayWritePosition(v, f.Kind) {
			return nil, errWrite
		}
		sub, err := s.subject(ctx, q, v, f.Kind, f.Subject)
		if err != nil {
			return nil, err
		}
		switch f.Kind {
		case PositionPrincipal:
			roles = []string{"principal"}
			conds, args = append(conds, "u.school_id = ?"), append(args, sub.schoolID)
		case PositionHomeroom:
			roles = []string{"teacher", "principal"}
			conds, args = append(conds, "u.school_id = ?"), append(args, sub.schoolID)
		case PositionVillageProxy:
			roles = []string{"leader", "officer"}
			c, a := covering(sub.code)
			conds, args = append(conds, c), append(args, a...)
		case PositionLeader:
			roles = []string{"leader", "officer"}
			conds, args = append(conds, "u.region_code = ?"), append(args, sub.code)
		}
	case f.Pairing:
		if !mayWrite(v) {
			return nil, errWrite
		}
		roles = []string{"mentor", "leader", "officer"}
		if f.ChildID != "" {
			c, err := s.child(ctx, q, v, f.ChildID)
			if err != nil {
				return nil, err
			}
			cond, a := covering(c.VillageCode)
			conds, args = append(conds, cond), append(args, a...)
		} else {
			lo, hi := v.RegionRange()
			conds, args = append(conds, "u.region_code >= ? AND u.region_code < ?"), append(args, lo, hi)
		}
	default:
		if !mayWrite(v) {
			return nil, errWrite
		}
		c, err := s.child(ctx, q, v, f.ChildID)
		if err != nil {
			return nil, err
		}
		switch f.Role {
		case RoleCountyCadre, RoleTownshipCadre, RoleVillageCadre:
			roles = []string{"leader", "officer"}
			conds, args = append(conds, "u.region_code = ?"), append(args, levelCode(c.VillageCode, f.Role))
		case RoleTeacher:
			if c.SchoolID == "" {
				return []Person{}, nil
			}
			roles = []string{"teacher", "principal"}
			conds, args = append(conds, "u.school_id = ?"), append(args, c.SchoolID)
		case RoleGuardian, RoleNeighbour:
			return []Person{}, nil
		default:
			return nil, errs.FieldErrors{"role": "角色“" + f.Role + "”无效"}.Err()
		}
	}
	if qs := strings.TrimSpace(f.Query); qs != "" {
		n, a := storage.Contains("u.name", qs)
		un, b := storage.Contains("u.username", strings.ToLower(qs))
		conds, args = append(conds, "("+n+" OR "+un+")"), append(args, a, b)
	}
	marks := "?" + strings.Repeat(", ?", len(roles)-1)
	for _, r := range roles {
		args = append(args, r)
	}
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.name, u.phone FROM users u WHERE u.active = ? AND `+strings.Join(conds, " AND ")+`
		AND EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.role IN (`+marks+`))
		ORDER BY u.name, u.id LIMIT ?`, append(append([]any{true}, args...), f.Limit)...)
	if err != nil {
		return nil, errs.Wrap(err, "care: candidates")
	}
	defer rows.Close()
	cs := contactsOf(v)
	out := []Person{}
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.UserID, &p.Name, &p.Phone); err != nil {
			return nil, errs.Wrap(err, "care: candidates")
		}
		if !cs.all && !cs.network {
			p.Phone = ""
		}
		out = append(out, p)
	}
	return out, errs.Wrap(rows.Err(), "care: candidates")
}

// covering returns the condition on u.region_code for users whose region
// holds code: code itself or one of its ancestors, or all of China.
func covering(code string) (string, []any) {
	args := []any{regions.Root}
	for c := code; c != regions.Root && regions.LevelOf(c) > 0; c = regions.ParentOf(c) {
		args = append(args, c)
	}
	return "u.region_code IN (?" + strings.Repeat(", ?", len(args)-1) + ")", args
}

// levelCode returns the code of the county, township or village of a
// village that a cadre role belongs to.
func levelCode(village, role string) string {
	want := map[string]regions.Level{RoleCountyCadre: regions.County, RoleTownshipCadre: regions.Township, RoleVillageCadre: regions.Village}[role]
	for c := village; c != regions.Root && regions.LevelOf(c) > 0; c = regions.ParentOf(c) {
		if regions.LevelOf(c) == want {
			return c
		}
	}
	return "-"
}
