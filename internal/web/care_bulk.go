package web

import (
	"net/http"
	"strings"

	"guanai/internal/accounts"
	"guanai/internal/authn"
	"guanai/internal/care"
	"guanai/internal/errs"
)

// The bulk assignment page (批量分配): one person to the same team role
// for every active left-behind child of a region node (a village, say), or
// for a list of children chosen on the list behind a gap count. The care
// package applies it all or nothing; the page shows what happened, or
// would have happened, to each child.

// bulkPickerField is the bulk form's region picker.
const bulkPickerField = "bulk_region"

func init() {
	pickerFields[bulkPickerField] = struct{ label, help string }{"care.bulk_region", "care.bulk_region_help"}
}

// bulkPage is the view model of the bulk assignment page.
type bulkPage struct {
	Layout
	Form personForm
	// Picker chooses the region when no children are chosen.
	Picker *regionNav
	// Chosen are the children chosen on a list, kept as ticked boxes.
	Chosen []option
	Result *bulkResultView
}

// bulkResultView is what a bulk assignment did.
type bulkResultView struct {
	Applied                                  bool
	Assigned, Reassigned, Unchanged, Refused int
	Items                                    []bulkItemView
}

type bulkItemView struct {
	ChildID, ChildName, Outcome, Reason string
	Refused                             bool
}

// maxChosen bounds the children a list may hand to the bulk page.
const maxChosen = 200

// bulkPageFor builds the page with the form filled in with a, the picker
// at region and the children ids chosen (ticked when tick).
func (w *Web) bulkPageFor(r *http.Request, id authn.Identity, a assignValues, region string, ids []string, ticked map[string]bool) (bulkPage, error) {
	ctx := r.Context()
	lg := langOf(r)
	v := id.Viewer
	p := bulkPage{Layout: w.layout(r, id, lg.T("title.bulk"))}
	if len(ids) > maxChosen {
		ids = ids[:maxChosen]
	}
	for _, cid := range ids {
		c, err := w.app.Children.Get(ctx, listViewer(v), cid)
		if errs.CodeOf(err) == errs.NotFound {
			continue
		}
		if err != nil {
			return p, err
		}
		p.Chosen = append(p.Chosen, option{Value: c.ID, Label: c.Name, Selected: ticked == nil || ticked[c.ID]})
	}
	if len(p.Chosen) == 0 {
		pk, err := w.picker(ctx, lg, v, bulkPickerField, region, "")
		if err != nil {
			return p, err
		}
		p.Picker = &pk
	}
	users, err := w.candidates(ctx, lg, v, clampRegion(v, region), "", accounts.RoleLeader, accounts.RoleOfficer, accounts.RolePrincipal, accounts.RoleTeacher)
	if err != nil {
		return p, err
	}
	p.Form.Action = "/care/bulk"
	p.Form.Fields = append([]formField{
		{Name: "role", Label: lg.T("care.role"), Kind: "select", Required: true,
			Options: selectOptions(lg.T("form.choose"), care.TeamRoles, labeller(lg, teamRoleLabel), a.Role)},
	}, personFields(lg, "", candidateOptions(lg.T("care.not_user"), users, a.UserID), a.Name, a.Phone, a.Relation, true)...)
	p.Form.Fields = append(p.Form.Fields,
		formField{Name: "from", Label: lg.T("care.from"), Kind: "date", Value: a.From, Help: lg.T("care.from_help")},
		formField{Name: "replace", Label: lg.T("care.replace"), Kind: "checkbox", Checked: a.Replace, Help: lg.T("care.replace_help")})
	return p, nil
}

func (w *Web) bulkForm(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesGaps(v) || !mayManageCare(v) {
		return notFound
	}
	var ids []string
	for _, s := range r.URL.Query()["child"] {
		ids = append(ids, clean(strings.TrimSpace(s)))
	}
	p, err := w.bulkPageFor(r, id, assignValues{Role: queryValue(r, "role")}, queryValue(r, "region"), ids, nil)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "bulk", p)
	return nil
}

func (w *Web) bulkAssign(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesGaps(v) || !mayManageCare(v) {
		return notFound
	}
	lg := langOf(r)
	a := postedAssign(r)
	region := strings.TrimSpace(postValue(r, bulkPickerField))
	all := postList(r, "child_ids_all")
	chosen := postList(r, "child_ids")
	ticked := map[string]bool{}
	for _, c := range chosen {
		ticked[c] = true
	}
	if field, code, ok := picked(r); ok && field == bulkPickerField {
		// The picker moved (without JavaScript): nothing is assigned.
		p, err := w.bulkPageFor(r, id, a, code, all, ticked)
		if err != nil {
			return err
		}
		w.render(rw, r, http.StatusOK, "bulk", p)
		return nil
	}
	in := care.BulkInput{AssignInput: a.input()}
	if in.UserID != "" {
		in.Name, in.Phone = "", ""
	}
	if len(all) > 0 {
		in.ChildIDs = chosen
		if len(chosen) == 0 {
			// Every box unticked: nothing chosen (the domain says so).
			in.ChildIDs = nil
		}
	} else {
		in.Region = region
	}
	res, err := w.app.Care.BulkAssign(r.Context(), v, in)
	p, perr := w.bulkPageFor(r, id, a, region, all, ticked)
	if perr != nil {
		return perr
	}
	status := http.StatusOK
	if err != nil {
		if !careFieldErrors(lg, &p.Form, err, map[string]string{"region": bulkPickerField, "child_ids": bulkPickerField}) {
			return err
		}
		if p.Picker != nil {
			if fe, ok := fieldErrors(err); ok {
				p.Picker.Error = fe["region"] + fe["child_ids"]
			}
		}
		w.render(rw, r, statusOf(err), "bulk", p)
		return nil
	}
	rv := &bulkResultView{Applied: res.Applied, Assigned: res.Assigned, Reassigned: res.Reassigned, Unchanged: res.Unchanged, Refused: res.Refused}
	for _, it := range res.Items {
		rv.Items = append(rv.Items, bulkItemView{ChildID: it.ChildID, ChildName: it.ChildName, Outcome: lg.T("bulk.outcome." + outcomeKey(it.Outcome)),
			Reason: it.Reason, Refused: it.Outcome == care.OutcomeRefused})
	}
	p.Result = rv
	if !res.Applied {
		status = http.StatusUnprocessableEntity
		p.Form.Message = lg.T("bulk.refused")
	}
	w.render(rw, r, status, "bulk", p)
	return nil
}

// outcomeKey is the catalog key part of a bulk outcome.
func outcomeKey(o string) string {
	switch o {
	case care.OutcomeAssigned, care.OutcomeReassigned, care.OutcomeUnchanged, care.OutcomeRefused:
		return o
	}
	return care.OutcomeRefused
}
