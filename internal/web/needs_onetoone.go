package web

import (
	"net/http"
	"strconv"

	"guanai/internal/access"
	"guanai/internal/authn"
	"guanai/internal/care"
	"guanai/internal/errs"
	"guanai/internal/needs"
)

// One-to-one help (一对一, issue 8): the standing volunteer–child matches
// of the viewer's area (a mentor: their own), the form that makes a
// volunteer pairing one, and a match's page with its service log.

// seesOneToOne says whether v reads one-to-one matches: region viewers and
// mentors (their own).
func seesOneToOne(v access.Viewer) bool { return seesGaps(v) || isMentor(v) }

// oneToOnesPage is the view model of the one-to-one list.
type oneToOnesPage struct {
	Layout
	Rows []oneToOneView
	// Form starts a match on one of the current volunteer pairings that
	// have none, for an officer.
	Form *personForm
}

type oneToOneView struct {
	ID, ChildID, ChildName, MentorName, Goal, From, To, EndReason, Hours string
	Version                                                              int
}

func oneToOneOf(m needs.OneToOne) oneToOneView {
	return oneToOneView{ID: m.ID, ChildID: m.ChildID, ChildName: m.ChildName, MentorName: m.MentorName, Goal: m.Goal, From: m.From, To: m.To,
		EndReason: m.EndReason, Hours: m.Hours(), Version: m.Version}
}

func (w *Web) oneToOnePageFor(r *http.Request, id authn.Identity, pairing, goal string, fe errs.FieldErrors) (oneToOnesPage, error) {
	ctx := r.Context()
	lg := langOf(r)
	v := id.Viewer
	p := oneToOnesPage{Layout: w.layout(r, id, lg.T("title.one_to_one"))}
	ms, err := w.app.Needs.OneToOnes(ctx, v, needs.OneToOneFilter{All: true})
	if err != nil {
		return p, err
	}
	busy := map[string]bool{}
	for _, m := range ms {
		p.Rows = append(p.Rows, oneToOneOf(m))
		if m.To == "" {
			busy[m.PairingID] = true
		}
	}
	if !mayManageCare(v) {
		return p, nil
	}
	ps, err := w.app.Care.Pairings(ctx, v, care.PairingFilter{})
	if err != nil {
		return p, err
	}
	opts := []option{{Label: lg.T("form.choose")}}
	for _, pr := range ps {
		if pr.Kind == care.KindVolunteer && !busy[pr.ID] {
			opts = append(opts, option{Value: pr.ID, Label: pr.MentorName + " — " + pr.ChildName, Selected: pr.ID == pairing})
		}
	}
	f := &personForm{Action: "/one-to-one", Fields: []formField{
		{Name: "pairing_id", Label: lg.T("o2o.pairing"), Kind: "select", Required: true, Options: opts, Help: lg.T("o2o.pairing_help")},
		{Name: "goal", Label: lg.T("o2o.goal"), Kind: "text", Value: goal, MaxLength: "300"},
	}}
	if fe != nil {
		sec := []formSection{{Fields: f.Fields}}
		f.Errors = setErrors(sec, fe)
		f.Fields = sec[0].Fields
		f.Message = lg.T("form.fix_errors")
	}
	p.Form = f
	return p, nil
}

func (w *Web) oneToOnes(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesOneToOne(id.Viewer) {
		return notFound
	}
	p, err := w.oneToOnePageFor(r, id, "", "", nil)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "one_to_ones", p)
	return nil
}

func (w *Web) startOneToOne(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesOneToOne(id.Viewer) || !mayManageCare(id.Viewer) {
		return notFound
	}
	pairing, goal := postValue(r, "pairing_id"), postValue(r, "goal")
	if pairing != "" {
		m, err := w.app.Needs.StartOneToOne(r.Context(), id.Viewer, needs.OneToOneInput{PairingID: pairing, Goal: goal})
		if err == nil {
			return seeOther(rw, r, "/one-to-one/"+m.ID+"?n=o2o_started")
		}
		fe, ok := fieldErrors(err)
		if !ok {
			return err
		}
		p, perr := w.oneToOnePageFor(r, id, pairing, goal, fe)
		if perr != nil {
			return perr
		}
		w.render(rw, r, http.StatusUnprocessableEntity, "one_to_ones", p)
		return nil
	}
	p, err := w.oneToOnePageFor(r, id, pairing, goal, errs.FieldErrors{"pairing_id": "请选择志愿者结对"})
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusUnprocessableEntity, "one_to_ones", p)
	return nil
}

// oneToOnePage is the view model of one match.
type oneToOnePage struct {
	Layout
	M       oneToOneView
	Log     []oneToOneLogView
	LogForm *personForm
	EndForm *personForm
}

type oneToOneLogView struct {
	ServedOn, What, Hours, By string
}

func (w *Web) oneToOneMatchPage(r *http.Request, id authn.Identity, mid string, logIn needs.LogInput, hours string, logFE, endFE errs.FieldErrors) (oneToOnePage, error) {
	lg := langOf(r)
	v := id.Viewer
	m, err := w.app.Needs.OneToOne(r.Context(), v, mid)
	if err != nil {
		return oneToOnePage{}, err
	}
	p := oneToOnePage{Layout: w.layout(r, id, lg.T("title.one_to_one_match", m.ChildName)), M: oneToOneOf(m)}
	for _, e := range m.Log {
		p.Log = append(p.Log, oneToOneLogView{ServedOn: e.ServedOn, What: e.What, Hours: e.Hours(), By: e.RecorderName})
	}
	if m.To != "" {
		return p, nil
	}
	if (isMentor(v) && v.PairedWith == m.MentorID) || mayManageCare(v) {
		f := &personForm{Action: "/one-to-one/" + m.ID + "/log", Fields: []formField{
			{Name: "served_on", Label: lg.T("o2o.served_on"), Kind: "date", Value: logIn.ServedOn, Help: lg.T("needs.on_help")},
			{Name: "what", Label: lg.T("o2o.what"), Kind: "text", Value: logIn.What, Required: true, MaxLength: "300"},
			{Name: "hours", Label: lg.T("o2o.hours"), Kind: "number", Value: hours, Required: true, Min: "0.5", Max: "24", InputMode: "decimal", Help: lg.T("o2o.hours_help")},
		}}
		if logFE != nil {
			sec := []formSection{{Fields: f.Fields}}
			f.Errors = setErrors(sec, logFE)
			f.Fields = sec[0].Fields
			f.Message = lg.T("form.fix_errors")
		}
		p.LogForm = f
	}
	if mayManageCare(v) {
		f := &personForm{Action: "/one-to-one/" + m.ID + "/end", Fields: []formField{
			{Name: "reason", Label: lg.T("o2o.end_reason"), Kind: "text", Required: true, MaxLength: "200"},
		}}
		if endFE != nil {
			sec := []formSection{{Fields: f.Fields}}
			f.Errors = setErrors(sec, endFE)
			f.Fields = sec[0].Fields
		}
		p.EndForm = f
	}
	return p, nil
}

func (w *Web) oneToOne(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesOneToOne(id.Viewer) {
		return notFound
	}
	p, err := w.oneToOneMatchPage(r, id, r.PathValue("id"), needs.LogInput{}, "", nil, nil)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "one_to_one", p)
	return nil
}

func (w *Web) logOneToOne(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesOneToOne(id.Viewer) {
		return notFound
	}
	hours := postValue(r, "hours")
	in := needs.LogInput{ServedOn: postValue(r, "served_on"), What: postValue(r, "what")}
	// Hours that are not a number go to the domain as 0, so that who may
	// log is checked first; the message then says what was wrong.
	h, perr := strconv.ParseFloat(hours, 64)
	if perr == nil {
		in.Hours = h
	}
	_, err := w.app.Needs.LogService(r.Context(), id.Viewer, r.PathValue("id"), in)
	if err == nil {
		return seeOther(rw, r, "/one-to-one/"+r.PathValue("id")+"?n=o2o_logged")
	}
	fe, ok := fieldErrors(err)
	if !ok {
		return err
	}
	if perr != nil && hours != "" {
		fe["hours"] = "服务时长应为数字（小时），例如 1.5"
	}
	p, err := w.oneToOneMatchPage(r, id, r.PathValue("id"), in, hours, fe, nil)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusUnprocessableEntity, "one_to_one", p)
	return nil
}

func (w *Web) endOneToOne(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesOneToOne(id.Viewer) || !mayManageCare(id.Viewer) {
		return notFound
	}
	ver, err := version(r)
	if err != nil {
		return err
	}
	_, err = w.app.Needs.EndOneToOne(r.Context(), id.Viewer, r.PathValue("id"), ver, postValue(r, "reason"))
	if err == nil {
		return seeOther(rw, r, "/one-to-one/"+r.PathValue("id")+"?n=o2o_ended")
	}
	fe, ok := fieldErrors(err)
	if !ok {
		return err
	}
	p, perr := w.oneToOneMatchPage(r, id, r.PathValue("id"), needs.LogInput{}, "", nil, fe)
	if perr != nil {
		return perr
	}
	w.render(rw, r, http.StatusUnprocessableEntity, "one_to_one", p)
	return nil
}
