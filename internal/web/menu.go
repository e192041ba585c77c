package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"guanai/internal/access"
	"guanai/internal/authn"
	"guanai/internal/errs"
	"guanai/internal/menu"
)

// The service menu (菜单式服务, issue 8): the services offered where the
// viewer works, and the form an officer keeps them with.

func menuProviderLabel(l lang, k string) string { return l.label("provider."+k, menu.ProviderLabel(k)) }

// menuPage is the view model of the menu.
type menuPage struct {
	Layout
	Filters  []formField
	Rows     []menuItemView
	CanEdit  bool
	Archived bool
}

type menuItemView struct {
	ID, Name, Kind, Provider, Places, Schedule, Dates, Regions, Description string
	Archived, Full                                                          bool
}

func menuItemOf(lg lang, s menu.Service) menuItemView {
	dates := s.Start + " – " + s.End
	if s.End == "" {
		dates = lg.T("menu.since", s.Start)
	}
	names := make([]string, len(s.RegionNames))
	for i, n := range s.RegionNames {
		parts := strings.Split(n, " › ")
		names[i] = shortName(parts[len(parts)-1])
	}
	return menuItemView{ID: s.ID, Name: s.Name, Kind: needKindLabel(lg, s.Kind), Provider: menuProviderLabel(lg, s.ProviderKind) + " · " + s.ProviderName,
		Places: lg.T("menu.places", s.Capacity-s.InUse, s.Capacity), Schedule: s.Schedule, Dates: dates, Regions: strings.Join(names, lg.T("list.sep")),
		Description: s.Description, Archived: s.Archived, Full: s.InUse >= s.Capacity}
}

func (w *Web) menuList(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesNeeds(v) {
		return notFound
	}
	lg := langOf(r)
	kind := queryValue(r, "kind")
	if !slices.Contains(menu.Kinds, kind) {
		kind = ""
	}
	archived := queryValue(r, "archived") == "1"
	ss, err := w.app.Menu.List(r.Context(), v, menu.Filter{Kind: kind, Archived: archived})
	if err != nil {
		return err
	}
	p := menuPage{Layout: w.layout(r, id, lg.T("title.services")), CanEdit: mayManageCare(v), Archived: archived}
	p.Filters = []formField{
		{Name: "kind", Label: lg.T("needs.kind"), Kind: "select", Options: selectOptions(lg.T("needs.any"), menu.Kinds, labeller(lg, needKindLabel), kind)},
		{Name: "archived", Label: lg.T("menu.with_archived"), Kind: "checkbox", Checked: archived},
	}
	for _, s := range ss {
		p.Rows = append(p.Rows, menuItemOf(lg, s))
	}
	w.render(rw, r, http.StatusOK, "services", p)
	return nil
}

// menuFormPage is the view model of the menu's form.
type menuFormPage struct {
	Layout
	Heading, Action string
	Version         int
	Fields          []formField
	Errors          []string
	Message         string
	// Archive: the form that takes the service off the menu or back.
	ID       string
	Archived bool
}

// menuForm is the menu form as posted.
type menuForm struct {
	menu.Input
	Capacity string
}

func postedMenuService(r *http.Request) menuForm {
	f := menuForm{Input: menu.Input{Name: postValue(r, "name"), Kind: postValue(r, "kind"), Description: postValue(r, "description"),
		ProviderKind: postValue(r, "provider_kind"), ProviderName: postValue(r, "provider_name"), Regions: postList(r, "regions"),
		Schedule: postValue(r, "schedule"), Start: postValue(r, "start"), End: postValue(r, "end")}, Capacity: postValue(r, "capacity")}
	f.Input.Capacity, _ = strconv.Atoi(f.Capacity)
	return f
}

func menuFormOf(s menu.Service) menuForm {
	return menuForm{Input: menu.Input{Name: s.Name, Kind: s.Kind, Description: s.Description, ProviderKind: s.ProviderKind, ProviderID: s.ProviderID,
		ProviderName: s.ProviderName, Regions: s.Regions, Schedule: s.Schedule, Start: s.Start, End: s.End}, Capacity: strconv.Itoa(s.Capacity)}
}

// menuRegionChoices are the regions a service may be offered in, as the form
// offers them: the viewer's own region and the nodes under it, and any
// already chosen.
func (w *Web) menuRegionChoices(r *http.Request, v access.Viewer, chosen []string) ([]option, error) {
	root := scopeRoot(v)
	kids, err := w.app.Regions.Children(r.Context(), root)
	if err != nil {
		return nil, err
	}
	codes := []string{root}
	for _, k := range kids {
		codes = append(codes, k.Code)
	}
	for _, c := range chosen {
		if !slices.Contains(codes, c) && inScope(v, c) {
			codes = append(codes, c)
		}
	}
	names, err := w.app.Regions.Names(r.Context(), codes)
	if err != nil {
		return nil, err
	}
	var out []option
	for _, c := range codes {
		out = append(out, option{Value: c, Label: shortName(names[c]), Selected: slices.Contains(chosen, c)})
	}
	return out, nil
}

func (w *Web) menuFormFor(r *http.Request, id authn.Identity, heading string, f menuForm, fe errs.FieldErrors) (menuFormPage, error) {
	lg := langOf(r)
	p := menuFormPage{Layout: w.layout(r, id, heading), Heading: heading}
	regs, err := w.menuRegionChoices(r, id.Viewer, f.Regions)
	if err != nil {
		return p, err
	}
	p.Fields = []formField{
		{Name: "name", Label: lg.T("menu.name"), Kind: "text", Value: f.Name, Required: true, MaxLength: "60"},
		{Name: "kind", Label: lg.T("needs.kind"), Kind: "select", Required: true, Options: selectOptions(lg.T("form.choose"), menu.Kinds, labeller(lg, needKindLabel), f.Kind)},
		{Name: "provider_kind", Label: lg.T("menu.provider_kind"), Kind: "select", Required: true, Options: selectOptions(lg.T("form.choose"), menu.ProviderKinds, labeller(lg, menuProviderLabel), f.ProviderKind)},
		{Name: "provider_name", Label: lg.T("menu.provider_name"), Kind: "text", Value: f.ProviderName, Required: true, MaxLength: "80"},
		{Name: "regions", Label: lg.T("menu.regions"), Kind: "checks", Options: regs, Help: lg.T("menu.regions_help")},
		{Name: "capacity", Label: lg.T("menu.capacity"), Kind: "number", Value: f.Capacity, Required: true, Min: "1", Max: "10000", InputMode: "numeric", Help: lg.T("menu.capacity_help")},
		{Name: "schedule", Label: lg.T("menu.schedule"), Kind: "text", Value: f.Schedule, MaxLength: "200", Help: lg.T("menu.schedule_help")},
		{Name: "start", Label: lg.T("menu.start"), Kind: "date", Value: f.Start},
		{Name: "end", Label: lg.T("menu.end"), Kind: "date", Value: f.End, Help: lg.T("menu.end_help")},
		{Name: "description", Label: lg.T("menu.description"), Kind: "textarea", Value: f.Description, MaxLength: "500"},
	}
	if fe != nil {
		sec := []formSection{{Fields: p.Fields}}
		p.Errors = setErrors(sec, fe)
		p.Fields = sec[0].Fields
		p.Message = lg.T("form.fix_errors")
	}
	return p, nil
}

func (w *Web) newMenuService(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesNeeds(id.Viewer) || !mayManageCare(id.Viewer) {
		return notFound
	}
	lg := langOf(r)
	p, err := w.menuFormFor(r, id, lg.T("title.service_new"), menuForm{Capacity: "10"}, nil)
	if err != nil {
		return err
	}
	p.Action = "/menu/new"
	w.render(rw, r, http.StatusOK, "service", p)
	return nil
}

func (w *Web) createMenuService(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesNeeds(id.Viewer) || !mayManageCare(id.Viewer) {
		return notFound
	}
	f := postedMenuService(r)
	_, err := w.app.Menu.Create(r.Context(), id.Viewer, f.Input)
	if err == nil {
		return seeOther(rw, r, "/menu?n=service_saved")
	}
	fe, ok := fieldErrors(err)
	if !ok {
		return err
	}
	if f.Capacity != "" && f.Input.Capacity == 0 {
		fe["capacity"] = "服务容量应为1到10000之间的整数"
	}
	lg := langOf(r)
	p, perr := w.menuFormFor(r, id, lg.T("title.service_new"), f, fe)
	if perr != nil {
		return perr
	}
	p.Action = "/menu/new"
	w.render(rw, r, http.StatusUnprocessableEntity, "service", p)
	return nil
}

// service shows a service: its form for a writer, its facts for others.
func (w *Web) menuService(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesNeeds(id.Viewer) {
		return notFound
	}
	s, err := w.app.Menu.Get(r.Context(), id.Viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	lg := langOf(r)
	if !mayManageCare(id.Viewer) || !inScope(id.Viewer, s.Region) {
		sv := menuItemOf(lg, s)
		w.render(rw, r, http.StatusOK, "service", menuFormPage{Layout: w.layout(r, id, s.Name), Heading: s.Name, ID: s.ID, Archived: s.Archived,
			Fields: []formField{{Name: "v-kind", Label: lg.T("needs.kind"), Value: sv.Kind}, {Name: "v-provider", Label: lg.T("menu.provider_name"), Value: sv.Provider},
				{Name: "v-regions", Label: lg.T("menu.regions"), Value: sv.Regions}, {Name: "v-places", Label: lg.T("menu.capacity"), Value: sv.Places},
				{Name: "v-schedule", Label: lg.T("menu.schedule"), Value: sv.Schedule}, {Name: "v-dates", Label: lg.T("menu.dates"), Value: sv.Dates},
				{Name: "v-description", Label: lg.T("menu.description"), Value: sv.Description}}})
		return nil
	}
	p, err := w.menuFormFor(r, id, lg.T("title.service_edit", s.Name), menuFormOf(s), nil)
	if err != nil {
		return err
	}
	p.Action, p.Version, p.ID, p.Archived = "/menu/"+s.ID, s.Version, s.ID, s.Archived
	w.render(rw, r, http.StatusOK, "service", p)
	return nil
}

func (w *Web) updateMenuService(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesNeeds(id.Viewer) || !mayManageCare(id.Viewer) {
		return notFound
	}
	ver, err := version(r)
	if err != nil {
		return err
	}
	f := postedMenuService(r)
	sid := r.PathValue("id")
	s, err := w.app.Menu.Update(r.Context(), id.Viewer, sid, ver, f.Input)
	if err == nil {
		return seeOther(rw, r, "/menu/"+s.ID+"?n=service_saved")
	}
	fe, ok := fieldErrors(err)
	if !ok {
		return err
	}
	lg := langOf(r)
	p, perr := w.menuFormFor(r, id, lg.T("title.service_edit", f.Name), f, fe)
	if perr != nil {
		return perr
	}
	p.Action, p.Version, p.ID = "/menu/"+sid, ver, sid
	w.render(rw, r, http.StatusUnprocessableEntity, "service", p)
	return nil
}

func (w *Web) archiveMenuService(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesNeeds(id.Viewer) || !mayManageCare(id.Viewer) {
		return notFound
	}
	ver, err := version(r)
	if err != nil {
		return err
	}
	s, err := w.app.Menu.Archive(r.Context(), id.Viewer, r.PathValue("id"), ver, postValue(r, "archived") == "1")
	if err != nil {
		return err
	}
	return seeOther(rw, r, "/menu/"+s.ID+"?n=service_saved")
}
