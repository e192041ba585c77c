package api

import (
	"context"
	"net/http"
	"time"

	"guanai/internal/access"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/errs"
	"guanai/internal/regions"
	"guanai/internal/schools"
)

// RegionJSON is a region with its path and descendant counts.
type RegionJSON struct {
	regions.Region
	LevelName   string           `json:"level_name"`
	Path        []regions.Region `json:"path"`
	Descendants map[string]int   `json:"descendants"`
}

func rootCode(s string) string {
	if s == "0" || s == "000000000000" || s == "china" {
		return regions.Root
	}
	return s
}

func (api *API) getRegion(w http.ResponseWriter, r *http.Request) error {
	if _, err := api.viewer(r); err != nil {
		return err
	}
	rs := api.app.Regions
	code := rootCode(r.PathValue("code"))
	if code != regions.Root {
		c, err := regions.Normalize(code)
		if err != nil {
			return errs.New(errs.NotFound, errs.As(err).Message)
		}
		code = c
	}
	reg, err := rs.Get(r.Context(), code)
	if err != nil {
		return err
	}
	path, err := rs.Path(r.Context(), code)
	if err != nil {
		return err
	}
	counts, err := rs.CountsByLevel(r.Context(), code)
	if err != nil {
		return err
	}
	out := RegionJSON{Region: reg, LevelName: reg.Level.Name(), Path: path, Descendants: map[string]int{}}
	for l := regions.Province; l <= regions.Village; l++ {
		if l > reg.Level {
			out.Descendants[levelKey(l)] = counts[l]
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func levelKey(l regions.Level) string {
	return [...]string{"", "province", "prefecture", "county", "township", "village"}[l]
}

func (api *API) regionChildren(w http.ResponseWriter, r *http.Request) error {
	if _, err := api.viewer(r); err != nil {
		return err
	}
	code := rootCode(r.PathValue("code"))
	if code != regions.Root {
		c, err := regions.Normalize(code)
		if err != nil {
			return errs.New(errs.NotFound, errs.As(err).Message)
		}
		code = c
	}
	if _, err := api.app.Regions.Get(r.Context(), code); err != nil {
		return err
	}
	kids, err := api.app.Regions.Children(r.Context(), code)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": kids})
	return nil
}

// --- schools

func (api *API) listSchools(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	fe := errs.FieldErrors{}
	f := schools.Filter{Region: r.URL.Query().Get("region"), Query: r.URL.Query().Get("q"),
		Limit: intParam(r, "limit", 50, fe), Offset: intParam(r, "offset", 0, fe)}
	if err := fe.Err(); err != nil {
		return err
	}
	p, err := api.app.Schools.List(r.Context(), v, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

type schoolBody struct {
	Version int `json:"version"`
	schools.Input
}

func (api *API) createSchool(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in schools.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	s, err := api.app.Schools.Create(r.Context(), v, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s)
	return nil
}

func (api *API) getSchool(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	s, err := api.app.Schools.Get(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}

func (api *API) updateSchool(w http.ResponseWriter, r *http.Request) error {
	return writeVersioned(api, w, r, func(ctx context.Context, v access.Viewer, id string, b schoolBody) (schools.School, error) {
		return api.app.Schools.Update(ctx, v, id, b.Version, b.Input)
	})
}

type classBody struct {
	Grade int    `json:"grade"`
	Name  string `json:"name"`
}

func (api *API) addClass(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var b classBody
	if err := decode(r, &b); err != nil {
		return err
	}
	c, err := api.app.Schools.AddClass(r.Context(), v, r.PathValue("id"), b.Grade, b.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

// --- children

// ChildJSON is a child as the API shows it.
type ChildJSON struct {
	children.Child
	BirthDate    string       `json:"birth_date"`
	ClassifiedOn string       `json:"classified_on"`
	Guardian     GuardianJSON `json:"guardian"`
}

// GuardianJSON is a child's guardian as the API shows it.
type GuardianJSON struct {
	children.Guardian
	EntrustedOn string `json:"entrusted_on"`
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

func childJSON(c children.Child) ChildJSON {
	return ChildJSON{Child: c, BirthDate: date(c.BirthDate), ClassifiedOn: date(c.ClassifiedOn),
		Guardian: GuardianJSON{Guardian: c.Guardian, EntrustedOn: date(c.Guardian.EntrustedOn)}}
}

func (api *API) listChildren(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	fe := errs.FieldErrors{}
	f := children.Filter{Region: q.Get("region"), SchoolID: q.Get("school_id"), ClassID: q.Get("class_id"),
		Category: q.Get("category"), Sex: q.Get("sex"), AgeMin: optIntParam(r, "age_min", fe), AgeMax: optIntParam(r, "age_max", fe),
		Query: q.Get("q"), Status: q.Get("status"), Sort: q.Get("sort"), Desc: boolParam(r, "desc", fe),
		Limit: intParam(r, "limit", 50, fe), Offset: intParam(r, "offset", 0, fe)}
	if err := fe.Err(); err != nil {
		return err
	}
	p, err := api.app.Children.List(r.Context(), v, f)
	if err != nil {
		return err
	}
	items := make([]ChildJSON, len(p.Children))
	for i, c := range p.Children {
		items[i] = childJSON(c)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": p.Total, "limit": p.Limit, "offset": p.Offset})
	return nil
}

type childBody struct {
	Version int `json:"version"`
	children.Input
}

func (api *API) createChild(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in children.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := api.app.Children.Create(r.Context(), v, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, childJSON(c))
	return nil
}

func (api *API) getChild(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	get := api.app.Children.Get
	if reveal, err := revealParam(r); err != nil {
		return err
	} else if reveal {
		get = api.app.Children.GetRevealed
	}
	c, err := get(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, childJSON(c))
	return nil
}

func (api *API) updateChild(w http.ResponseWriter, r *http.Request) error {
	return writeVersioned(api, w, r, func(ctx context.Context, v access.Viewer, id string, b childBody) (ChildJSON, error) {
		c, err := api.app.Children.Update(ctx, v, id, b.Version, b.Input)
		return childJSON(c), err
	})
}

type archiveBody struct {
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

func (api *API) archiveChild(w http.ResponseWriter, r *http.Request) error {
	return writeVersioned(api, w, r, func(ctx context.Context, v access.Viewer, id string, b archiveBody) (ChildJSON, error) {
		c, err := api.app.Children.Archive(ctx, v, id, b.Version, b.Reason)
		return childJSON(c), err
	})
}

func (api *API) restoreChild(w http.ResponseWriter, r *http.Request) error {
	return writeVersioned(api, w, r, func(ctx context.Context, v access.Viewer, id string, b archiveBody) (ChildJSON, error) {
		c, err := api.app.Children.Restore(ctx, v, id, b.Version)
		return childJSON(c), err
	})
}

// HistoryJSON is one entry of a child's category history.
type HistoryJSON struct {
	children.HistoryEntry
	EffectiveOn string `json:"effective_on"`
}

func (api *API) childHistory(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	hs, err := api.app.Children.History(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := make([]HistoryJSON, len(hs))
	for i, h := range hs {
		out[i] = HistoryJSON{HistoryEntry: h, EffectiveOn: date(h.EffectiveOn)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

// --- elders

// ElderJSON is an elder as the API shows them.
type ElderJSON struct {
	elders.Elder
	BirthDate string `json:"birth_date"`
}

func (api *API) listElders(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	fe := errs.FieldErrors{}
	f := elders.Filter{Region: q.Get("region"), Living: q.Get("living"), Query: q.Get("q"), Status: q.Get("status"),
		Limit: intParam(r, "limit", 50, fe), Offset: intParam(r, "offset", 0, fe)}
	if err := fe.Err(); err != nil {
		return err
	}
	p, err := api.app.Elders.List(r.Context(), v, f)
	if err != nil {
		return err
	}
	items := make([]ElderJSON, len(p.Elders))
	for i, e := range p.Elders {
		items[i] = elderJSON(e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": p.Total, "limit": p.Limit, "offset": p.Offset})
	return nil
}

func elderJSON(e elders.Elder) ElderJSON { return ElderJSON{Elder: e, BirthDate: date(e.BirthDate)} }

// versionedBody is a request body that carries the version read.
type versionedBody interface{ ver() int }

func (b schoolBody) ver() int  { return b.Version }
func (b childBody) ver() int   { return b.Version }
func (b elderBody) ver() int   { return b.Version }
func (b archiveBody) ver() int { return b.Version }

// writeVersioned runs a change that needs the version the caller read:
// it decodes the body, refuses a missing version, calls do on the record
// named by {id} and writes its result.
func writeVersioned[B versionedBody, T any](api *API, w http.ResponseWriter, r *http.Request, do func(ctx context.Context, v access.Viewer, id string, b B) (T, error)) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var b B
	if err := decode(r, &b); err != nil {
		return err
	}
	if b.ver() < 1 {
		return errs.FieldErrors{"version": "必须提供读取时的版本号 version"}.Err()
	}
	out, err := do(r.Context(), v, r.PathValue("id"), b)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type elderBody struct {
	Version int `json:"version"`
	elders.Input
}

func (api *API) createElder(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in elders.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	e, err := api.app.Elders.Create(r.Context(), v, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, elderJSON(e))
	return nil
}

func (api *API) getElder(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	get := api.app.Elders.Get
	if reveal, err := revealParam(r); err != nil {
		return err
	} else if reveal {
		get = api.app.Elders.GetRevealed
	}
	e, err := get(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, elderJSON(e))
	return nil
}

func (api *API) updateElder(w http.ResponseWriter, r *http.Request) error {
	return writeVersioned(api, w, r, func(ctx context.Context, v access.Viewer, id string, b elderBody) (ElderJSON, error) {
		e, err := api.app.Elders.Update(ctx, v, id, b.Version, b.Input)
		return elderJSON(e), err
	})
}

// revealParam reads ?reveal=id_number: the caller asks for full ID
// numbers (shown only to roles that may see them, and audited).
func revealParam(r *http.Request) (bool, error) {
	switch r.URL.Query().Get("reveal") {
	case "":
		return false, nil
	case "id_number":
		return true, nil
	}
	return false, errs.FieldErrors{"reveal": "参数 reveal 只能为 id_number"}.Err()
}

func (api *API) restoreElder(w http.ResponseWriter, r *http.Request) error {
	return writeVersioned(api, w, r, func(ctx context.Context, v access.Viewer, id string, b archiveBody) (ElderJSON, error) {
		e, err := api.app.Elders.Restore(ctx, v, id, b.Version)
		return elderJSON(e), err
	})
}

func (api *API) archiveElder(w http.ResponseWriter, r *http.Request) error {
	return writeVersioned(api, w, r, func(ctx context.Context, v access.Viewer, id string, b archiveBody) (ElderJSON, error) {
		e, err := api.app.Elders.Archive(ctx, v, id, b.Version, b.Reason)
		return elderJSON(e), err
	})
}
