package api

import (
	"context"
	"net/http"
	"time"

	"guanai/internal/access"
	"guanai/internal/census"
	"guanai/internal/errs"
	"guanai/internal/menu"
	"guanai/internal/needs"
	"guanai/internal/person"
)

// --- the service menu

func menuFilter(r *http.Request, fe errs.FieldErrors) menu.Filter {
	q := r.URL.Query()
	return menu.Filter{Region: q.Get("region"), Kind: q.Get("kind"), Archived: boolParam(r, "archived", fe)}
}

func (api *API) listServices(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	fe := errs.FieldErrors{}
	f := menuFilter(r, fe)
	if err := fe.Err(); err != nil {
		return err
	}
	ss, err := api.app.Menu.List(r.Context(), v, f)
	if err != nil {
		return err
	}
	if ss == nil {
		ss = []menu.Service{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ss})
	return nil
}

func (api *API) createService(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in menu.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	s, err := api.app.Menu.Create(r.Context(), v, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s)
	return nil
}

func (api *API) getService(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	s, err := api.app.Menu.Get(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}

type serviceBody struct {
	Version int `json:"version"`
	menu.Input
}

func (b serviceBody) ver() int { return b.Version }

func (api *API) updateService(w http.ResponseWriter, r *http.Request) error {
	return writeVersioned(api, w, r, func(ctx context.Context, v access.Viewer, id string, b serviceBody) (menu.Service, error) {
		return api.app.Menu.Update(ctx, v, id, b.Version, b.Input)
	})
}

type serviceArchiveBody struct {
	Version  int  `json:"version"`
	Archived bool `json:"archived"`
}

func (b serviceArchiveBody) ver() int { return b.Version }

func (api *API) archiveService(w http.ResponseWriter, r *http.Request) error {
	return writeVersioned(api, w, r, func(ctx context.Context, v access.Viewer, id string, b serviceArchiveBody) (menu.Service, error) {
		return api.app.Menu.Archive(ctx, v, id, b.Version, b.Archived)
	})
}

// --- the needs list

func needsFilter(r *http.Request, fe errs.FieldErrors) needs.Filter {
	q := r.URL.Query()
	return needs.Filter{Region: q.Get("region"), Status: q.Get("status"), Open: boolParam(r, "open", fe), AgeBand: q.Get("age_band"),
		Kind: q.Get("kind"), ChildID: q.Get("child_id"), Limit: intParam(r, "limit", 50, fe), Offset: intParam(r, "offset", 0, fe)}
}

func (api *API) listNeeds(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	fe := errs.FieldErrors{}
	f := needsFilter(r, fe)
	if err := fe.Err(); err != nil {
		return err
	}
	ns, total, err := api.app.Needs.List(r.Context(), v, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ns, "total": total})
	return nil
}

func (api *API) needsSummary(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	s, err := api.app.Needs.Summary(r.Context(), v, r.URL.Query().Get("region"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}

func (api *API) exportNeeds(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	fe := errs.FieldErrors{}
	f := needsFilter(r, fe)
	if err := fe.Err(); err != nil {
		return err
	}
	name := "需求清单-" + time.Now().In(person.China).Format("20060102") + "." + census.FormatXLSX
	out := &lazyDownload{w: w, format: census.FormatXLSX, name: name}
	_, err = api.census.ExportNeeds(r.Context(), v, api.app.Needs, f, out)
	return exportDone(out, err)
}

func (api *API) createNeed(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in needs.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	n, err := api.app.Needs.Create(r.Context(), v, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, n)
	return nil
}

func (api *API) getNeed(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	n, err := api.app.Needs.Get(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

func (api *API) actOnNeed(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var a needs.Action
	if err := decode(r, &a); err != nil {
		return err
	}
	if a.Version < 1 {
		return errs.FieldErrors{"version": "请提供记录的版本号（version）"}.Err()
	}
	n, err := api.app.Needs.Act(r.Context(), v, r.PathValue("id"), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

// --- one-to-one

func (api *API) listOneToOne(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	fe := errs.FieldErrors{}
	q := r.URL.Query()
	f := needs.OneToOneFilter{ChildID: q.Get("child_id"), MentorID: q.Get("mentor_id"), All: boolParam(r, "all", fe)}
	if err := fe.Err(); err != nil {
		return err
	}
	ms, err := api.app.Needs.OneToOnes(r.Context(), v, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ms})
	return nil
}

func (api *API) createOneToOne(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in needs.OneToOneInput
	if err := decode(r, &in); err != nil {
		return err
	}
	m, err := api.app.Needs.StartOneToOne(r.Context(), v, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

func (api *API) getOneToOne(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	m, err := api.app.Needs.OneToOne(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

type endOneToOneBody struct {
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

func (b endOneToOneBody) ver() int { return b.Version }

func (api *API) endOneToOne(w http.ResponseWriter, r *http.Request) error {
	return writeVersioned(api, w, r, func(ctx context.Context, v access.Viewer, id string, b endOneToOneBody) (needs.OneToOne, error) {
		return api.app.Needs.EndOneToOne(ctx, v, id, b.Version, b.Reason)
	})
}

func (api *API) logOneToOne(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in needs.LogInput
	if err := decode(r, &in); err != nil {
		return err
	}
	m, err := api.app.Needs.LogService(r.Context(), v, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}
