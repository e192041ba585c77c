package census

import (
	"context"
	"io"
	"strconv"
	"strings"
	"sync"

	"guanai/internal/access"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/schools"
)

// exportColumns returns the columns of an export for v: the template's
// (so that an export can be fixed and imported again) and the derived
// classification, without the sensitive columns v may not see — left out
// rather than left empty, so that importing the file back keeps them.
func exportColumns(k Kind, v access.Viewer) []column {
	var out []column
	for _, c := range columnsOf(k) {
		switch c.Sensitive {
		case "health":
			if !v.May.Health {
				continue
			}
		case "difficulty":
			if !v.May.Difficulty {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

func headersOf(cols []column) ([]string, []float64) {
	var hs []string
	var ws []float64
	for _, c := range cols {
		hs = append(hs, c.Header)
		ws = append(ws, c.Width)
	}
	return hs, ws
}

// ExportChildren writes every child matching f in v's scope (the list's
// filter; Limit and Offset are ignored) to w as format (FormatXLSX or
// FormatCSV), with the template's columns so that the file can be
// imported again. ID numbers are masked unless reveal is set and v may see
// them; health and difficulty columns are left out for viewers who may
// not see them. The export is audited before the first row is written
// (action export); cells beginning with = + - @ are neutralised; rows are
// streamed, never held. It returns how many children were written.
func (s *Service) ExportChildren(ctx context.Context, v access.Viewer, f children.Filter, reveal bool, format string, w io.Writer) (int, error) {
	t, err := newTableWriter(format, "儿童", w)
	if err != nil {
		return 0, err
	}
	cols := exportColumns(Children, v)
	hs, ws := headersOf(cols)
	pl := s.places(v)
	sn := &schoolNames{s: s, names: map[string]schoolInfo{}}
	started := false
	n, err := s.children.Export(ctx, v, f, reveal, func(c children.Child) error {
		if !started {
			started = true
			if err := t.header(hs, ws); err != nil {
				return err
			}
		}
		county, township, village := pl.names(ctx, c.VillageCode)
		school := sn.get(ctx, c.SchoolID)
		row := make([]string, len(cols))
		for i, col := range cols {
			row[i] = childCell(col.Field, c, county, township, village, school)
		}
		return t.row(row, false)
	})
	if err != nil {
		return n, err
	}
	if !started {
		if err := t.header(hs, ws); err != nil {
			return 0, errs.Wrap(err, "export")
		}
	}
	return n, errs.Wrap(t.close(), "export")
}

type schoolInfo struct {
	name    string
	classes map[string]string
}

// schoolNames names the schools and classes of exported children, once
// per school.
type schoolNames struct {
	s     *Service
	mu    sync.Mutex
	names map[string]schoolInfo
}

func (sn *schoolNames) get(ctx context.Context, id string) schoolInfo {
	if id == "" {
		return schoolInfo{}
	}
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if si, ok := sn.names[id]; ok {
		return si
	}
	// The names of a school a child in scope attends, even when the school
	// record itself lies outside the viewer's scope.
	sc, err := sn.s.schools.Get(ctx, access.System(), id)
	si := schoolInfo{classes: map[string]string{}}
	if err == nil {
		si.name = sc.Name
		for _, c := range sc.Classes {
			si.classes[c.ID] = c.Name
		}
	}
	sn.names[id] = si
	return si
}

func yes(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func childCell(field string, c children.Child, county, township, village string, school schoolInfo) string {
	switch field {
	case "id_number":
		return c.IDNumber
	case "name":
		return c.Name
	case "sex":
		return person.SexLabel(c.Sex)
	case "birth_date":
		return dateText(c.BirthDate.Format("2006-01-02"), c.BirthDate.IsZero())
	case "ethnicity":
		return c.Ethnicity
	case "hukou":
		if c.Hukou == children.HukouUrban {
			return "城镇"
		}
		return "农村"
	case fieldCounty:
		return county
	case fieldTownship:
		return township
	case fieldVillage:
		return village
	case fieldCode:
		return c.VillageCode
	case fieldSchool:
		return school.name
	case fieldGrade:
		if c.SchoolID == "" && c.Grade == 0 {
			return ""
		}
		return schools.GradeLabel(c.Grade)
	case fieldClass:
		return school.classes[c.ClassID]
	case "father_status":
		return c.FatherStatus.Label()
	case "father_away_place":
		return c.FatherAwayPlace
	case "father_phone":
		return c.FatherPhone
	case "mother_status":
		return c.MotherStatus.Label()
	case "mother_away_place":
		return c.MotherAwayPlace
	case "mother_phone":
		return c.MotherPhone
	case "guardian_name":
		return c.Guardian.Name
	case "guardian_relation":
		return c.Guardian.Relation
	case "guardian_phone":
		return c.Guardian.Phone
	case "guardian_id_number":
		return c.Guardian.IDNumber
	case "guardian_entrusted":
		return yes(c.Guardian.Entrusted)
	case "guardian_entrusted_on":
		return dateText(c.Guardian.EntrustedOn.Format("2006-01-02"), c.Guardian.EntrustedOn.IsZero())
	case "health_flags":
		return labels(c.HealthFlags, children.HealthFlagLabel)
	case "disability":
		if c.Disability == "" {
			return "无"
		}
		return children.DisabilityLabel(c.Disability)
	case "difficulty":
		return labels(c.Difficulty, children.DifficultyLabel)
	case "migrant":
		return yes(c.Migrant)
	case "notes":
		return c.Notes
	case "left_behind":
		var cats []string
		for _, k := range c.Categories {
			cats = append(cats, children.CategoryLabel(k))
		}
		s := strings.Join(cats, "、")
		if s == "" {
			s = "无"
		}
		return s + "（" + children.ReasonLabel(c.LeftBehindReason) + "）"
	}
	return ""
}

func dateText(s string, zero bool) string {
	if zero {
		return ""
	}
	return s
}

func labels(codes []string, label func(string) string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = label(c)
	}
	return strings.Join(out, "、")
}

// ExportElders writes every elder matching f in v's scope to w as format,
// as ExportChildren does for children: the template's columns, ID numbers
// masked unless revealed to a viewer who may see them, health left out for
// viewers who may not see it, audited, neutralised and streamed.
func (s *Service) ExportElders(ctx context.Context, v access.Viewer, f elders.Filter, reveal bool, format string, w io.Writer) (int, error) {
	t, err := newTableWriter(format, "留守老人", w)
	if err != nil {
		return 0, err
	}
	cols := exportColumns(Elders, v)
	hs, ws := headersOf(cols)
	pl := s.places(v)
	started := false
	n, err := s.elders.Export(ctx, v, f, reveal, func(e elders.Elder) error {
		if !started {
			started = true
			if err := t.header(hs, ws); err != nil {
				return err
			}
		}
		county, township, village := pl.names(ctx, e.VillageCode)
		row := make([]string, len(cols))
		for i, col := range cols {
			switch col.Field {
			case "id_number":
				row[i] = e.IDNumber
			case "name":
				row[i] = e.Name
			case "sex":
				row[i] = person.SexLabel(e.Sex)
			case "birth_date":
				row[i] = dateText(e.BirthDate.Format("2006-01-02"), e.BirthDate.IsZero())
			case fieldCounty:
				row[i] = county
			case fieldTownship:
				row[i] = township
			case fieldVillage:
				row[i] = village
			case fieldCode:
				row[i] = e.VillageCode
			case "living":
				row[i] = elders.LivingLabel(e.Living)
			case "children_away":
				row[i] = strconv.Itoa(e.ChildrenAway)
			case "contact_name":
				row[i] = e.ContactName
			case "contact_relation":
				row[i] = e.ContactRelation
			case "contact_phone":
				row[i] = e.ContactPhone
			case "health_flags":
				row[i] = labels(e.HealthFlags, elders.HealthFlagLabel)
			case "notes":
				row[i] = e.Notes
			}
		}
		return t.row(row, false)
	})
	if err != nil {
		return n, err
	}
	if !started {
		if err := t.header(hs, ws); err != nil {
			return 0, errs.Wrap(err, "export")
		}
	}
	return n, errs.Wrap(t.close(), "export")
}

// ExportSchools writes the schools matching f in v's scope (Limit and
// Offset are ignored) to w as format: name, kind, place and contact, and
// the number of classes. School records hold no personal data; the export
// is not audited.
func (s *Service) ExportSchools(ctx context.Context, v access.Viewer, f schools.Filter, format string, w io.Writer) (int, error) {
	t, err := newTableWriter(format, "学校", w)
	if err != nil {
		return 0, err
	}
	hs, ws := headersOf(schoolColumns)
	if err := t.header(hs, ws); err != nil {
		return 0, errs.Wrap(err, "export")
	}
	pl := s.places(v)
	n := 0
	for f.Offset, f.Limit = 0, 500; ; f.Offset += f.Limit {
		p, err := s.schools.List(ctx, v, f)
		if err != nil {
			return n, err
		}
		for _, sc := range p.Schools {
			full, err := s.schools.Get(ctx, v, sc.ID)
			if err != nil {
				return n, err
			}
			county, township, village := pl.names(ctx, sc.RegionCode)
			row := []string{sc.Name, schools.KindLabel(sc.Kind), county, township, village, sc.RegionCode, sc.Address, sc.Phone, strconv.Itoa(len(full.Classes))}
			if err := t.row(row, false); err != nil {
				return n, errs.Wrap(err, "export")
			}
			n++
		}
		if len(p.Schools) < f.Limit {
			break
		}
	}
	return n, errs.Wrap(t.close(), "export")
}
