package api

import (
	"net/http"
	"time"

	"guanai/internal/care"
	"guanai/internal/census"
	"guanai/internal/errs"
	"guanai/internal/person"
)

// --- care teams

func (api *API) getTeam(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	t, err := api.app.Care.Team(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (api *API) assignMember(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in care.AssignInput
	if err := decode(r, &in); err != nil {
		return err
	}
	m, err := api.app.Care.Assign(r.Context(), v, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

func (api *API) endMember(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in care.EndInput
	if err := decode(r, &in); err != nil {
		return err
	}
	m, err := api.app.Care.EndMember(r.Context(), v, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (api *API) bulkAssign(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in care.BulkInput
	if err := decode(r, &in); err != nil {
		return err
	}
	res, err := api.app.Care.BulkAssign(r.Context(), v, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (api *API) getChain(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	c, err := api.app.Care.Chain(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// --- pairings

func (api *API) listPairings(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	fe := errs.FieldErrors{}
	q := r.URL.Query()
	f := care.PairingFilter{ChildID: q.Get("child_id"), MentorID: q.Get("mentor_id"), All: boolParam(r, "all", fe)}
	if err := fe.Err(); err != nil {
		return err
	}
	ps, err := api.app.Care.Pairings(r.Context(), v, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ps})
	return nil
}

func (api *API) createPairing(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in care.PairingInput
	if err := decode(r, &in); err != nil {
		return err
	}
	res, err := api.app.Care.Pair(r.Context(), v, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, res)
	return nil
}

func (api *API) endPairing(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in care.EndInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := api.app.Care.EndPairing(r.Context(), v, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (api *API) myChildren(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	ms, err := api.app.Care.MyChildren(r.Context(), v)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ms})
	return nil
}

// --- positions

func (api *API) listPositions(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	fe := errs.FieldErrors{}
	q := r.URL.Query()
	f := care.PositionFilter{Kind: q.Get("kind"), Subject: q.Get("subject"), Region: q.Get("region"), All: boolParam(r, "all", fe)}
	if err := fe.Err(); err != nil {
		return err
	}
	ps, err := api.app.Care.Positions(r.Context(), v, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ps})
	return nil
}

func (api *API) setPosition(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in care.PositionInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := api.app.Care.SetPosition(r.Context(), v, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (api *API) endPosition(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in care.EndInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := api.app.Care.EndPosition(r.Context(), v, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// --- gaps

func (api *API) getGaps(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	g, err := api.app.Care.Gaps(r.Context(), v, rootCode(r.PathValue("code")))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

func (api *API) gapChildren(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	fe := errs.FieldErrors{}
	limit, offset := intParam(r, "limit", 50, fe), intParam(r, "offset", 0, fe)
	if err := fe.Err(); err != nil {
		return err
	}
	p, err := api.app.Care.GapChildren(r.Context(), v, rootCode(r.PathValue("code")), r.URL.Query().Get("gap"), limit, offset)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (api *API) exportGaps(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	name := "关爱缺口-" + time.Now().In(person.China).Format("20060102") + "." + census.FormatXLSX
	out := &lazyDownload{w: w, format: census.FormatXLSX, name: name}
	_, err = api.census.ExportGaps(r.Context(), v, rootCode(r.PathValue("code")), out)
	return exportDone(out, err)
}
