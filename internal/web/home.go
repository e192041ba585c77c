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
}

func (w *Web) home(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	ctx := r.Context()
	v := id.Viewer
	p := homePage{Layout: w.layout(r, id, "概览")}
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
	}
	if err != nil {
		return err
	}
	p.NoRecords = v.Nobody
	p.Engine = string(w.app.DB.Dialect())
	w.render(rw, r, http.StatusOK, "home", p)
	return nil
}
