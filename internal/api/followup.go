package api

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"guanai/internal/census"
	"guanai/internal/errs"
	"guanai/internal/followup"
	"guanai/internal/person"
	"guanai/internal/regions"
)

// --- follow-ups

func followupFilter(r *http.Request) (followup.Filter, error) {
	fe := errs.FieldErrors{}
	q := r.URL.Query()
	f := followup.Filter{ChildID: q.Get("child_id"), Region: q.Get("region"), From: q.Get("from"), To: q.Get("to"),
		Mine: boolParam(r, "mine", fe), Urgent: boolParam(r, "urgent", fe),
		Limit: intParam(r, "limit", 50, fe), Offset: intParam(r, "offset", 0, fe)}
	if f.Region != "" {
		code, err := regions.Normalize(rootCode(f.Region))
		if err != nil {
			fe.Addf("region", "行政区划代码“%s”无效", f.Region)
		}
		f.Region = code
	}
	for name, d := range map[string]string{"from": f.From, "to": f.To} {
		if _, ok := person.ParseDate(d); d != "" && !ok {
			fe.Addf(name, "日期“%s”无效（应为 2006-01-02 格式）", d)
		}
	}
	return f, fe.Err()
}

func (api *API) listFollowups(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	f, err := followupFilter(r)
	if err != nil {
		return err
	}
	page, err := api.app.Followups.List(r.Context(), v, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (api *API) createFollowup(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in followup.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	fu, err := api.app.Followups.Record(r.Context(), v, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, fu)
	return nil
}

func (api *API) getFollowup(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	fu, err := api.app.Followups.Get(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, fu)
	return nil
}

func (api *API) exportFollowups(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	f, err := followupFilter(r)
	if err != nil {
		return err
	}
	name := "随访记录-" + time.Now().In(person.China).Format("20060102") + "." + census.FormatXLSX
	out := &lazyDownload{w: w, format: census.FormatXLSX, name: name}
	_, err = api.census.ExportFollowups(r.Context(), v, api.app.Followups, f, out)
	return exportDone(out, err)
}

func (api *API) childFollowups(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	c, err := api.app.Followups.ChildFor(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	fe := errs.FieldErrors{}
	page, err := api.app.Followups.List(r.Context(), v, followup.Filter{ChildID: c.ID, Limit: intParam(r, "limit", 50, fe), Offset: intParam(r, "offset", 0, fe)})
	if err := fe.Err(); err != nil {
		return err
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Child followup.Child `json:"child"`
		followup.Page
	}{c, page})
	return nil
}

// --- tasks, rules, notifications

func (api *API) tasks(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	t, err := api.app.Followups.Tasks(r.Context(), v)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (api *API) listRules(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	rs, err := api.app.Followups.Rules(r.Context(), v)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": rs, "editable": followup.MayEditRules(v)})
	return nil
}

func (api *API) saveRule(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in followup.RuleInput
	if err := decode(r, &in); err != nil {
		return err
	}
	rule, err := api.app.Followups.SaveRule(r.Context(), v, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rule)
	return nil
}

func (api *API) deleteRule(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	if err := api.app.Followups.DeleteRule(r.Context(), v, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (api *API) listNotifications(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	fe := errs.FieldErrors{}
	unread, limit := boolParam(r, "unread", fe), intParam(r, "limit", 50, fe)
	if err := fe.Err(); err != nil {
		return err
	}
	page, err := api.app.Followups.Notifications(r.Context(), v, unread, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// readNotifications marks the caller's notifications read: those listed in
// ids, or all of them when ids is empty.
func (api *API) readNotifications(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in struct {
		IDs []string `json:"ids"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	fe := errs.FieldErrors{}
	for i, id := range in.IDs {
		if _, err := uuid.Parse(id); err != nil {
			fe.Addf("ids", "第 %d 个通知编号“%s”格式不对", i+1, id)
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if len(in.IDs) == 0 {
		in.IDs = []string{""}
	}
	for _, id := range in.IDs {
		if err := api.app.Followups.MarkRead(r.Context(), v, id); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
