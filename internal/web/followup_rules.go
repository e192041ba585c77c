package web

import (
	"net/http"
	"strconv"

	"guanai/internal/authn"
	"guanai/internal/care"
	"guanai/internal/errs"
	"guanai/internal/followup"
	"guanai/internal/person"
)

// The follow-up schedule rules (read by everyone with tasks, kept by
// officers and system administrators) and the user's own notifications.

// rulesPage is the view model of the schedule rules.
type rulesPage struct {
	Layout
	Rules    []ruleView
	Editable bool
	// The form: a rule for a care role and a category.
	Roles, Categories, Units []choice
	Every, TownshipDays      string
	CountyDays               string
	Errors                   map[string]string
}

type ruleView struct {
	followup.Rule
	Role, Category, Interval string
}

func (w *Web) rules(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !hasTasks(id.Viewer) && !followup.MayEditRules(id.Viewer) {
		return notFound
	}
	return w.renderRules(rw, r, id, followup.RuleInput{Every: 1, Unit: followup.UnitMonth, TownshipDays: 7, CountyDays: 30}, nil)
}

func (w *Web) renderRules(rw http.ResponseWriter, r *http.Request, id authn.Identity, in followup.RuleInput, err error) error {
	lg := langOf(r)
	rs, rerr := w.app.Followups.Rules(r.Context(), id.Viewer)
	if rerr != nil {
		return rerr
	}
	p := rulesPage{Layout: w.layout(r, id, lg.T("title.followup_rules")), Editable: followup.MayEditRules(id.Viewer), Errors: map[string]string{},
		Every: strconv.Itoa(in.Every), TownshipDays: strconv.Itoa(in.TownshipDays), CountyDays: strconv.Itoa(in.CountyDays)}
	for _, rule := range rs {
		p.Rules = append(p.Rules, ruleView{Rule: rule, Role: teamRoleLabel(lg, rule.CareRole), Category: lg.label("fu_category."+rule.Category, rule.CategoryLabel),
			Interval: lg.T("fu.every", rule.Every, lg.label("fu_unit."+rule.Unit, rule.UnitLabel))})
	}
	for _, role := range care.TeamRoles {
		p.Roles = append(p.Roles, choice{Value: role, Label: teamRoleLabel(lg, role), Selected: role == in.CareRole})
	}
	for _, c := range followup.Categories {
		p.Categories = append(p.Categories, choice{Value: c, Label: lg.label("fu_category."+c, followup.CategoryLabel(c)), Selected: c == in.Category})
	}
	for _, u := range followup.Units {
		p.Units = append(p.Units, choice{Value: u, Label: lg.label("fu_unit."+u, followup.UnitLabel(u)), Selected: u == in.Unit})
	}
	status := http.StatusOK
	if err != nil {
		fe, ok := fieldErrors(err)
		if !ok {
			return err
		}
		p.Errors, status = fe, http.StatusUnprocessableEntity
	}
	w.render(rw, r, status, "followup_rules", p)
	return nil
}

func (w *Web) saveRule(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !followup.MayEditRules(id.Viewer) {
		return notFound
	}
	num := func(name string) int {
		n, err := strconv.Atoi(postValue(r, name))
		if err != nil {
			return 0
		}
		return n
	}
	in := followup.RuleInput{CareRole: postValue(r, "care_role"), Category: postValue(r, "category"), Every: num("every"), Unit: postValue(r, "unit"),
		TownshipDays: num("township_days"), CountyDays: num("county_days")}
	_, err := w.app.Followups.SaveRule(r.Context(), id.Viewer, in)
	if err == nil {
		redirect(rw, r, "/followup-rules?n=rule_saved")
		return nil
	}
	if errs.CodeOf(err) == errs.Invalid {
		return w.renderRules(rw, r, id, in, err)
	}
	return err
}

func (w *Web) deleteRule(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !followup.MayEditRules(id.Viewer) {
		return notFound
	}
	if err := w.app.Followups.DeleteRule(r.Context(), id.Viewer, r.PathValue("id")); err != nil {
		return err
	}
	redirect(rw, r, "/followup-rules?n=rule_deleted")
	return nil
}

// notificationsPage is the view model of the user's notifications.
type notificationsPage struct {
	Layout
	Items  []notificationView
	Unread int
}

type notificationView struct {
	followup.Notification
	At, Href string
}

func (w *Web) notifications(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !hasTasks(id.Viewer) {
		return notFound
	}
	lg := langOf(r)
	page, err := w.app.Followups.Notifications(r.Context(), id.Viewer, false, 100)
	if err != nil {
		return err
	}
	p := notificationsPage{Layout: w.layout(r, id, lg.T("title.notifications")), Unread: page.Unread}
	for _, n := range page.Items {
		nv := notificationView{Notification: n, At: n.CreatedAt.In(person.China).Format("2006-01-02 15:04")}
		if n.FollowupID != "" {
			nv.Href = "/followups/" + n.FollowupID
		}
		p.Items = append(p.Items, nv)
	}
	w.render(rw, r, http.StatusOK, "followup_notifications", p)
	return nil
}

// readNotifications marks one notification (field id) or all of them read.
func (w *Web) readNotifications(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !hasTasks(id.Viewer) {
		return notFound
	}
	nid := postValue(r, "id")
	if err := w.app.Followups.MarkRead(r.Context(), id.Viewer, nid); err != nil {
		return err
	}
	if nid != "" && postValue(r, "next") == "followup" {
		if page, err := w.app.Followups.Notifications(r.Context(), id.Viewer, false, 200); err == nil {
			for _, n := range page.Items {
				if n.ID == nid && n.FollowupID != "" {
					redirect(rw, r, "/followups/"+n.FollowupID)
					return nil
				}
			}
		}
	}
	redirect(rw, r, "/notifications")
	return nil
}
