package web

import (
	"net/http"

	"guanai/internal/authn"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/schools"
)

// homePage is the view model of the overview: the census at a glance for
// the viewer's scope, and where the API and its documentation are.
type homePage struct {
	Layout
	Children, LeftBehind, Difficulty, Migrant, Elders, Schools int
	// ShowDifficulty: the viewer may see difficulty categories.
	ShowDifficulty bool
	// Scope names the viewer's region ("全国" for all of China).
	Scope string
	// NoRecords says the viewer's roles see no census records (the
	// administrative roles, mentors without pairings).
	NoRecords bool
	Engine    string
	// Recent are the children changed last in the viewer's scope.
	Recent []recentChange
	// Links to the lists by category.
	ChildrenHref, LeftBehindHref, DifficultyHref, MigrantHref string
	// Mentees is a mentor's number of paired children (their page's link
	// shows when Mentor).
	Mentor  bool
	Mentees int
	// Tasks are the first of the user's follow-up tasks (HasTasks: the
	// section shows), with the counts of the whole list.
	HasTasks                    bool
	Tasks                       []taskView
	Overdue, DueSoon, Escalated int
}

// homeTasks is how many follow-up tasks the overview lists.
const homeTasks = 5

// recentChange is a child recently registered or changed.
type recentChange struct {
	ID, Name, Village, At string
	Categories            []string
	Archived              bool
}

// recentCount is how many recent changes the overview shows.
const recentCount = 10

func (w *Web) home(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	ctx := r.Context()
	v := id.Viewer
	lg := langOf(r)
	p := homePage{Layout: w.layout(r, id, lg.T("title.home"))}
	var err error
	count := func(f children.Filter) int {
		if err != nil {
			return 0
		}
		var n int
		n, err = w.app.Children.Count(ctx, v, f)
		return n
	}
	p.Children = count(children.Filter{})
	p.LeftBehind = count(children.Filter{Category: children.CategoryLeftBehind})
	p.ShowDifficulty = v.May.Difficulty
	if v.May.Difficulty {
		p.Difficulty = count(children.Filter{Category: children.CategoryDifficulty})
	}
	p.Migrant = count(children.Filter{Category: children.CategoryMigrant})
	if err == nil {
		p.Elders, err = w.app.Elders.Count(ctx, v, elders.Filter{})
	}
	if err == nil {
		var sp schools.Page
		if sp, err = w.app.Schools.List(ctx, v, schools.Filter{Limit: 1}); err == nil {
			p.Schools = sp.Total
		}
	}
	if err == nil {
		p.Scope, err = w.app.Regions.PathString(ctx, v.Region)
		if p.Scope == "全国" {
			p.Scope = lg.T("region.china")
		}
	}
	if err != nil {
		return err
	}
	p.NoRecords = !seesChildren(v)
	if isMentor(v) {
		ms, err := w.app.Care.MyChildren(ctx, v)
		if err != nil {
			return err
		}
		p.Mentor, p.Mentees = true, len(ms)
	}
	p.Engine = string(w.app.DB.Dialect())
	if hasTasks(v) {
		list, err := w.app.Followups.Tasks(ctx, v)
		if err != nil {
			return err
		}
		p.HasTasks, p.Overdue, p.DueSoon, p.Escalated = true, list.Overdue, list.DueSoon, list.Escalated
		list.Items = list.Items[:min(len(list.Items), homeTasks)]
		p.Tasks = w.taskViews(ctx, lg, list)
	}
	if seesChildren(v) {
		p.ChildrenHref = "/children"
		p.LeftBehindHref = "/children?category=" + children.CategoryLeftBehind
		p.DifficultyHref = "/children?category=" + children.CategoryDifficulty
		p.MigrantHref = "/children?category=" + children.CategoryMigrant
		recent, err := w.app.Children.List(ctx, listViewer(v), children.Filter{Sort: "updated_at", Desc: true, Status: "all", Limit: recentCount})
		if err != nil {
			return err
		}
		codes := make([]string, 0, len(recent.Children))
		for _, c := range recent.Children {
			codes = append(codes, c.VillageCode)
		}
		names, err := w.app.Regions.Names(ctx, codes)
		if err != nil {
			return err
		}
		for _, c := range recent.Children {
			p.Recent = append(p.Recent, recentChange{ID: c.ID, Name: c.Name, Village: shortName(names[c.VillageCode]), At: chinaTime(c.UpdatedAt),
				Categories: labelsOf(lg, c.Categories, categoryLabel), Archived: c.Archived})
		}
	}
	w.render(rw, r, http.StatusOK, "home", p)
	return nil
}
