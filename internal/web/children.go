package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"guanai/internal/access"
	"guanai/internal/authn"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/schools"
)

// childrenPerPage is the length of a page of the children list: short, for
// phones.
const childrenPerPage = 20

// maxSchoolChoices bounds the schools offered in a select; past it the
// user narrows the region first.
const maxSchoolChoices = 300

// seesChildren reports whether the viewer's roles read census records at
// all (the administrative roles do not, and mentors read only their
// paired children, through the care network's pages).
func seesChildren(v access.Viewer) bool { return !v.Nobody && v.PairedWith == "" }

// seesElders reports whether the viewer reads elders: region-scoped
// roles, not school staff.
func seesElders(v access.Viewer) bool { return seesChildren(v) && v.SchoolID == "" }

// listViewer is the viewer a list is read as: without health detail,
// which no list shows, so that reading a list is not a sensitive view.
func listViewer(v access.Viewer) access.Viewer {
	v.May.Health = false
	return v
}

// childQuery is the children list's filter as it stands in the address.
type childQuery struct {
	Region, SchoolID, ClassID, Category, Age, Sex, Status, Q, Sort string
	Page                                                           int
}

// childQueryOf reads the filter from r's address.
func childQueryOf(r *http.Request) childQuery {
	return childQuery{Region: queryValue(r, "region"), SchoolID: queryValue(r, "school_id"), ClassID: queryValue(r, "class_id"),
		Category: queryValue(r, "category"), Age: queryValue(r, "age"), Sex: queryValue(r, "sex"), Status: queryValue(r, "status"),
		Q: queryValue(r, "q"), Sort: queryValue(r, "sort"), Page: pageParam(r)}
}

// href is the list's address with the filter q.
func (q childQuery) href() string {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("region", q.Region)
	set("school_id", q.SchoolID)
	set("class_id", q.ClassID)
	set("category", q.Category)
	set("age", q.Age)
	set("sex", q.Sex)
	set("status", q.Status)
	set("q", q.Q)
	set("sort", q.Sort)
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if len(v) == 0 {
		return "/children"
	}
	return "/children?" + v.Encode()
}

// ageBands are the age bands of the filter: value → min, max (whole years).
var ageBands = []ageBand{{"0-5", 0, 5}, {"6-11", 6, 11}, {"12-15", 12, 15}, {"16-17", 16, 17}}

type ageBand struct {
	value    string
	min, max int
}

// childSorts are the list's orders: value → domain sort and direction.
var childSorts = []childSort{{"village", "village", false}, {"name", "name", false}, {"updated", "updated_at", true},
	{"young", "birth_date", true}, {"old", "birth_date", false}}

type childSort struct {
	value, sort string
	desc        bool
}

// filter turns the query into the domain's filter, with errors for
// values no select offers.
func (q childQuery) filter() (children.Filter, errs.FieldErrors) {
	fe := errs.FieldErrors{}
	f := children.Filter{Region: q.Region, SchoolID: q.SchoolID, ClassID: q.ClassID, Category: q.Category, Sex: q.Sex,
		Query: q.Q, Status: q.Status, Limit: childrenPerPage, Offset: (q.Page - 1) * childrenPerPage}
	if q.Age != "" {
		i := slices.IndexFunc(ageBands, func(b ageBand) bool { return b.value == q.Age })
		if i < 0 {
			fe.Add("age", "年龄段无效")
		} else {
			lo, hi := ageBands[i].min, ageBands[i].max
			f.AgeMin, f.AgeMax = &lo, &hi
		}
	}
	if q.Sort != "" {
		i := slices.IndexFunc(childSorts, func(s childSort) bool { return s.value == q.Sort })
		if i < 0 {
			fe.Add("sort", "排序方式无效")
		} else {
			f.Sort, f.Desc = childSorts[i].sort, childSorts[i].desc
		}
	}
	return f, fe
}

// childrenPage is the view model of the children list: the filter form
// and the view it drives (breadcrumb, drill-down, results), which htmx
// swaps alone as the filter changes.
type childrenPage struct {
	Layout
	Filters []formField
	// MoreOpen opens the filters beyond the search box (when one is set).
	MoreOpen bool
	// Region is the region filter, kept in the form as a hidden field.
	Region string
	View   childrenView
}

// childrenView is the part of the list page an htmx request replaces.
type childrenView struct {
	Crumbs regionNav
	Rows   []childRow
	Pager  pager
	// Errors are the filter's errors.
	Errors []string
	// Searching: a filter other than the region is set (for the empty
	// message).
	Searching bool
	CanCreate bool
	Export    exportLinks
	// CareHrefs lead to the care network of the region shown: its gaps
	// and its page (leader, proxies), for the roles that read them.
	GapsHref, RegionHref string
	// OOB marks an htmx response: the parts of the form that depend on
	// the result (the hidden region, the class select) come along to be
	// swapped out of band.
	OOB                     bool
	SchoolField, ClassField *formField
	Region                  string
}

// childRow is one child in the list, as a card.
type childRow struct {
	ID, Name, Sex, IDNumber, Village, School string
	Age                                      int
	Categories                               []string
	Archived                                 bool
}

func (w *Web) children(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesChildren(v) {
		return notFound
	}
	ctx := r.Context()
	lg := langOf(r)
	q := childQueryOf(r)
	if q.Region != "" {
		if q.Region = clampRegion(v, q.Region); q.Region == scopeRoot(v) {
			q.Region = ""
		}
	}
	p := childrenPage{Layout: w.layout(r, id, lg.T("title.children")), Region: q.Region}
	asOf := person.Today(w.app.DB.Now())
	f, fe := q.filter()
	f.AsOf = asOf
	status := http.StatusOK

	// The breadcrumb and drill-down: links keep the rest of the filter.
	var err error
	p.View.Crumbs, err = w.regionNav(ctx, lg, v, q.Region, func(code string) string {
		n := q
		n.Region, n.Page = code, 1
		if code == scopeRoot(v) {
			n.Region = ""
		}
		return n.href()
	})
	if err != nil {
		return err
	}
	p.View.Crumbs.ID, p.View.Crumbs.HXTarget = "region-breadcrumb", "children-view"

	schoolOpts, schoolNames, err := w.schoolChoices(ctx, lg, v, q.Region, q.SchoolID, "filter.any_school")
	if err != nil {
		return err
	}
	classField, err := w.classFilter(ctx, lg, v, q.SchoolID, q.ClassID)
	if err != nil {
		return err
	}
	p.Filters = w.childFilters(lg, v, q)
	if schoolOpts != nil {
		p.View.SchoolField = &formField{Name: "school_id", Label: lg.T("field.school_id"), Kind: "select", Options: schoolOpts}
	}
	p.View.ClassField, p.View.Region = classField, q.Region
	p.View.CanCreate = v.CanWrite
	p.View.Export = childExport(v, q)
	if seesGaps(v) {
		p.View.GapsHref = gapsHref(q.Region)
		if code := p.View.Crumbs.Current; code != "" {
			p.View.RegionHref = "/regions/" + code
		}
	}
	p.MoreOpen = q.SchoolID != "" || q.Category != "" || q.Age != "" || q.Sex != "" || q.Status != "" || q.Sort != ""
	p.View.Searching = q.Q != "" || p.MoreOpen

	var page children.Page
	if len(fe) == 0 {
		page, err = w.app.Children.List(ctx, listViewer(v), f)
		if e, ok := fieldErrors(err); ok {
			fe = e
		} else if err != nil {
			return err
		}
	}
	if len(fe) > 0 {
		status = http.StatusUnprocessableEntity
		p.View.Errors = setFilterErrors(p.Filters, fe)
		p.MoreOpen = true
		for _, f := range []*formField{p.View.SchoolField, p.View.ClassField} {
			if f != nil && fe[f.Name] != "" {
				f.Error = fe[f.Name]
			}
		}
	}
	codes := make([]string, 0, len(page.Children))
	for _, c := range page.Children {
		codes = append(codes, c.VillageCode)
	}
	villages, err := w.app.Regions.Names(ctx, codes)
	if err != nil {
		return err
	}
	for _, c := range page.Children {
		row := childRow{ID: c.ID, Name: c.Name, Sex: sexLabel(lg, c.Sex), IDNumber: c.IDNumber, Age: c.Age(asOf),
			Village: shortName(villages[c.VillageCode]), School: schoolNames[c.SchoolID], Archived: c.Archived,
			Categories: labelsOf(lg, c.Categories, categoryLabel)}
		p.View.Rows = append(p.View.Rows, row)
	}
	p.View.Pager = newPager(r, page.Total, q.Page, childrenPerPage)
	p.View.Pager.HXTarget = "children-view"
	if hxTarget(r) == "children-view" {
		p.View.OOB = true
		// Followed a link (not typing in the filter): focus moves to where
		// the user now is.
		p.View.Crumbs.Swapped = r.Header.Get("HX-Trigger") != "children-filter"
		w.renderPart(rw, r, status, "children", "children-view", p.View)
		return nil
	}
	w.render(rw, r, status, "children", p)
	return nil
}

// setFilterErrors puts filter errors beside their fields and returns them
// all, for the view's summary.
func setFilterErrors(fields []formField, fe errs.FieldErrors) []string {
	var all []string
	for i := range fields {
		if msg, ok := fe[fields[i].Name]; ok {
			fields[i].Error = msg
		}
	}
	for _, msg := range fe {
		all = append(all, msg)
	}
	slices.Sort(all)
	return all
}

// childFilters are the fields of the children list's filter form.
func (w *Web) childFilters(lg lang, v access.Viewer, q childQuery) []formField {
	cats := []string{children.CategoryLeftBehind}
	if v.May.Difficulty {
		cats = append(cats, children.CategoryDifficulty)
	}
	cats = append(cats, children.CategoryMigrant, "not_left_behind")
	ages := make([]string, len(ageBands))
	for i, b := range ageBands {
		ages[i] = b.value
	}
	sorts := make([]string, len(childSorts))
	for i, s := range childSorts {
		sorts[i] = s.value
	}
	fields := []formField{
		{Name: "q", Label: lg.T("filter.q"), Kind: "search", Value: q.Q, Help: lg.T("filter.q_help"), Autocomplete: "off", MaxLength: "50"},
	}
	fields = append(fields,
		formField{Name: "category", Label: lg.T("filter.category"), Kind: "select",
			Options: selectOptions(lg.T("filter.any_category"), cats, func(c string) string {
				if c == "not_left_behind" {
					return lg.T("category.not_left_behind")
				}
				return categoryLabel(lg, c)
			}, q.Category)},
		formField{Name: "age", Label: lg.T("filter.age"), Kind: "select",
			Options: selectOptions(lg.T("filter.any_age"), ages, func(a string) string { return lg.T("age." + a) }, q.Age)},
		formField{Name: "sex", Label: lg.T("field.sex"), Kind: "select",
			Options: selectOptions(lg.T("filter.any_sex"), []string{person.Male, person.Female}, labeller(lg, sexLabel), q.Sex)},
		formField{Name: "status", Label: lg.T("filter.status"), Kind: "select",
			Options: selectOptions(lg.T("status.active"), []string{"archived", "all"}, func(s string) string { return lg.T("status." + s) }, q.Status)},
		formField{Name: "sort", Label: lg.T("filter.sort"), Kind: "select",
			Options: selectOptions("", sorts, func(s string) string { return lg.T("sort." + s) }, defaultTo(q.Sort, "village"))},
	)
	return fields
}

func defaultTo(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// schoolChoices returns the options of a school select — the schools in
// the viewer's scope in the county around region (see schoolArea), empty
// first with the catalog's label empty — and the schools' names by id.
// Over a wider area, or past maxSchoolChoices schools, it returns no
// options (the user narrows the region first), except for the school
// already chosen.
func (w *Web) schoolChoices(ctx context.Context, lg lang, v access.Viewer, region, chosen, empty string) ([]option, map[string]string, error) {
	names := map[string]string{}
	ids := []string{}
	if area, ok := schoolArea(v, region); ok {
		sp, err := w.app.Schools.List(ctx, v, schools.Filter{Region: area, Limit: maxSchoolChoices})
		if err != nil {
			return nil, nil, err
		}
		for _, s := range sp.Schools {
			names[s.ID] = s.Name
			ids = append(ids, s.ID)
		}
		if sp.Total > maxSchoolChoices {
			ids = nil
		}
	}
	if len(ids) == 0 && chosen == "" {
		return nil, names, nil
	}
	if chosen != "" && names[chosen] == "" {
		if s, err := w.app.Schools.Get(ctx, v, chosen); err == nil {
			names[s.ID] = s.Name
			ids = append(ids, s.ID)
		}
	}
	return selectOptions(lg.T(empty), ids, func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	}, chosen), names, nil
}

// schoolArea is the area whose schools a select offers for region (a
// 12-digit code, "" for the viewer's whole scope): the county region lies
// in, kept inside the viewer's scope. ok is false when that area is wider
// than a county (a province's schools are too many to choose from), except
// for school staff, who see their own school only.
func schoolArea(v access.Viewer, region string) (area string, ok bool) {
	if region == "" {
		region = scopeRoot(v)
	}
	area = region
	if regions.LevelOf(region) > regions.County {
		area = region[:6] + "000000"
	}
	if !inScope(v, area) {
		area = scopeRoot(v)
	}
	return area, v.SchoolID != "" || regions.LevelOf(area) >= regions.County
}

// classFilter is the class select of the list's filter, once a school is
// chosen (nil before).
func (w *Web) classFilter(ctx context.Context, lg lang, v access.Viewer, schoolID, classID string) (*formField, error) {
	if schoolID == "" {
		return nil, nil
	}
	s, err := w.app.Schools.Get(ctx, v, schoolID)
	if errs.CodeOf(err) == errs.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f := formField{Name: "class_id", Label: lg.T("field.class_id"), Kind: "select", Options: classOptions(lg, s.Classes, classID, "filter.any_class")}
	return &f, nil
}

// classOptions are the options of a class select.
func classOptions(lg lang, cs []schools.Class, chosen, empty string) []option {
	ids := make([]string, len(cs))
	names := map[string]string{}
	for i, c := range cs {
		ids[i] = c.ID
		names[c.ID] = gradeLabel(lg, c.Grade) + " " + c.Name
	}
	return selectOptions(lg.T(empty), ids, func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	}, chosen)
}

// childPage is the view model of a child's profile.
type childPage struct {
	Layout
	C      childView
	Crumbs regionNav
	// History is the classification's timeline, newest first.
	History []historyItem
	// Revealed: the ID numbers are shown in full (after the button).
	Revealed  bool
	MayReveal bool
	CanEdit   bool
	// EditBlocked explains why a writer cannot edit here.
	EditBlocked string
	CanArchive  bool
	// ArchiveReason and ArchiveError keep the archive form's input.
	ArchiveReason, ArchiveError string
	// Problem is a message about the last action (a conflict, say).
	Problem string
	// Care is the care network (负责链), nil when the viewer may not read
	// it.
	Care *careView
	// Needs is the child's needs section (需求), nil when the viewer reads
	// no needs.
	Needs *childNeedsView
}

// childView is a child's record as the profile shows it, in words.
type childView struct {
	ID, Name, IDNumber, Sex, BirthDate, Ethnicity, Hukou string
	Age                                                  int
	Village, School, Class, Grade                        string
	Father, Mother                                       parentView
	Guardian                                             guardianView
	// Health and difficulty, when the viewer may see them.
	ShowHealth, ShowDifficulty bool
	HealthFlags, Difficulty    []string
	Disability                 string
	Migrant                    bool
	Notes                      string
	LeftBehind                 bool
	Reason                     string
	Categories                 []string
	ClassifiedOn               string
	Archived                   bool
	ArchivedAt, ArchiveReason  string
	CreatedAt, UpdatedAt       string
	Version                    int
}

type parentView struct {
	Status, AwayPlace, Phone string
	Away                     bool
}

type guardianView struct {
	Name, Relation, Phone, IDNumber, EntrustedOn string
	Entrusted                                    bool
}

// historyItem is one change of classification.
type historyItem struct {
	EffectiveOn, RecordedAt, Source string
	Before, After                   []string
	Reason                          string
}

const dateLayout = "2006-01-02"

// mayEditChild reports whether the viewer can use the edit form: a
// writer who may read the health and difficulty fields the form holds.
// ID numbers need not be visible: the form shows them masked and the
// domain keeps the stored numbers when they come back masked or blank.
func mayEditChild(v access.Viewer) bool {
	return v.CanWrite && v.May.Health && v.May.Difficulty
}

// childPage builds the profile of c.
func (w *Web) childPage(r *http.Request, id authn.Identity, c children.Child, revealed bool) (childPage, error) {
	ctx := r.Context()
	lg := langOf(r)
	v := id.Viewer
	p := childPage{Layout: w.layout(r, id, c.Name), Revealed: revealed && v.May.IDNumber, MayReveal: v.May.IDNumber && !revealed,
		CanEdit: mayEditChild(v) && !c.Archived, CanArchive: v.CanWrite}
	if v.CanWrite && !mayEditChild(v) {
		p.EditBlocked = lg.T("child.edit_blocked")
	}
	asOf := person.Today(w.app.DB.Now())
	cv := childView{ID: c.ID, Name: c.Name, IDNumber: c.IDNumber, Sex: sexLabel(lg, c.Sex), BirthDate: c.BirthDate.Format(dateLayout),
		Age: c.Age(asOf), Ethnicity: c.Ethnicity, Hukou: hukouLabel(lg, c.Hukou), Migrant: c.Migrant, Notes: c.Notes,
		LeftBehind: c.LeftBehind, Reason: reasonLabel(lg, c.LeftBehindReason), Categories: labelsOf(lg, c.Categories, categoryLabel),
		Archived: c.Archived, ArchiveReason: c.ArchiveReason, CreatedAt: chinaTime(c.CreatedAt), UpdatedAt: chinaTime(c.UpdatedAt),
		ArchivedAt: chinaTime(c.ArchivedAt), Version: c.Version,
		ShowHealth: !slices.Contains(c.Masked, "health"), ShowDifficulty: !slices.Contains(c.Masked, "difficulty")}
	if !c.ClassifiedOn.IsZero() {
		cv.ClassifiedOn = c.ClassifiedOn.Format(dateLayout)
	}
	parent := func(st children.ParentStatus, place, phone string) parentView {
		return parentView{Status: parentLabel(lg, st), AwayPlace: place, Phone: phone, Away: st == children.ParentAway}
	}
	cv.Father = parent(c.FatherStatus, c.FatherAwayPlace, c.FatherPhone)
	cv.Mother = parent(c.MotherStatus, c.MotherAwayPlace, c.MotherPhone)
	g := c.Guardian
	cv.Guardian = guardianView{Name: g.Name, Relation: g.Relation, Phone: g.Phone, IDNumber: g.IDNumber, Entrusted: g.Entrusted}
	if !g.EntrustedOn.IsZero() {
		cv.Guardian.EntrustedOn = g.EntrustedOn.Format(dateLayout)
	}
	if cv.ShowHealth {
		cv.HealthFlags = labelsOf(lg, c.HealthFlags, childHealthLabel)
		if c.Disability != "" {
			cv.Disability = disabilityLabel(lg, c.Disability)
		}
	}
	if cv.ShowDifficulty {
		cv.Difficulty = labelsOf(lg, c.Difficulty, difficultyLabel)
	}
	if c.SchoolID != "" {
		s, err := w.app.Schools.Get(ctx, v, c.SchoolID)
		switch {
		case err == nil:
			cv.School = s.Name
			for _, cl := range s.Classes {
				if cl.ID == c.ClassID {
					cv.Class = cl.Name
				}
			}
		case errs.CodeOf(err) == errs.NotFound:
			cv.School = lg.T("child.school_elsewhere")
		default:
			return p, err
		}
		cv.Grade = gradeLabel(lg, c.Grade)
	}
	var err error
	p.Crumbs, err = w.regionNav(ctx, lg, v, c.VillageCode, func(code string) string {
		if code == scopeRoot(v) {
			return "/children"
		}
		return "/children?region=" + code
	})
	if err != nil {
		return p, err
	}
	p.Crumbs.ID = "child-breadcrumb"
	cv.Village = p.Crumbs.CurrentName
	p.C = cv
	cn, err := w.careSection(ctx, r, id, c.ID, assignValues{}, pairValues{})
	switch {
	case err == nil:
		p.Care = &cn
	case errs.CodeOf(err) != errs.NotFound && errs.CodeOf(err) != errs.Forbidden:
		return p, err
	}
	if p.Needs, err = w.childNeeds(ctx, lg, id, c.ID, "", "", nil); err != nil {
		return p, err
	}
	hs, err := w.app.Children.History(ctx, v, c.ID)
	if err != nil {
		return p, err
	}
	for i := len(hs) - 1; i >= 0; i-- {
		h := hs[i]
		p.History = append(p.History, historyItem{EffectiveOn: h.EffectiveOn.Format(dateLayout), RecordedAt: chinaTime(h.RecordedAt),
			Source: lg.T("source." + h.Source), Before: labelsOf(lg, h.Before, categoryLabel), After: labelsOf(lg, h.After, categoryLabel),
			Reason: h.Reason})
	}
	return p, nil
}

func (w *Web) child(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesChildren(id.Viewer) {
		return notFound
	}
	c, err := w.app.Children.Get(r.Context(), id.Viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	p, err := w.childPage(r, id, c, false)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "child", p)
	return nil
}

// revealChild shows the profile with the full ID numbers, read with
// GetRevealed, which audits the view before returning them. It is a POST
// (with the CSRF token) so that no link, prefetch or crawler reveals a
// number by accident.
func (w *Web) revealChild(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesChildren(id.Viewer) {
		return notFound
	}
	c, err := w.app.Children.GetRevealed(r.Context(), id.Viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	p, err := w.childPage(r, id, c, true)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "child", p)
	return nil
}

// archiveChild archives a child with the reason given; a missing reason
// or a stale version comes back to the profile with the message.
func (w *Web) archiveChild(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	return w.setChildArchived(rw, r, id, true)
}

func (w *Web) restoreChild(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	return w.setChildArchived(rw, r, id, false)
}

func (w *Web) setChildArchived(rw http.ResponseWriter, r *http.Request, id authn.Identity, archive bool) error {
	if !seesChildren(id.Viewer) {
		return notFound
	}
	ctx := r.Context()
	cid := r.PathValue("id")
	cur, err := w.app.Children.Get(ctx, id.Viewer, cid)
	if err != nil {
		return err
	}
	ver, err := version(r)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(postValue(r, "reason"))
	if archive {
		_, err = w.app.Children.Archive(ctx, id.Viewer, cid, ver, reason)
	} else {
		_, err = w.app.Children.Restore(ctx, id.Viewer, cid, ver)
	}
	if err == nil {
		n := "child_restored"
		if archive {
			n = "child_archived"
		}
		return seeOther(rw, r, "/children/"+cid+"?n="+n)
	}
	code := errs.CodeOf(err)
	if code != errs.Invalid && code != errs.Conflict {
		return err
	}
	if code == errs.Conflict {
		// Show the record as it is now.
		var gerr error
		if cur, gerr = w.app.Children.Get(ctx, id.Viewer, cid); gerr != nil {
			return gerr
		}
	}
	p, perr := w.childPage(r, id, cur, false)
	if perr != nil {
		return perr
	}
	if fe, ok := fieldErrors(err); ok && fe["reason"] != "" {
		p.ArchiveError, p.ArchiveReason = fe["reason"], reason
	} else {
		p.Problem = errs.As(err).Message
	}
	w.render(rw, r, statusOf(err), "child", p)
	return nil
}
