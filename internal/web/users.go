package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"guanai/internal/accounts"
	"guanai/internal/authn"
	"guanai/internal/errs"
)

// usersPerPage is the length of a page of the user list.
const usersPerPage = 20

// usersPage is the view model of 用户管理: the accounts in the
// administrator's region, searched and filtered by role.
type usersPage struct {
	Layout
	// Q and Role are the search as entered.
	Q, Role     string
	RoleOptions []option
	Rows        []userRow
	Pager       pager
	// CanCreate is true for system administrators.
	CanCreate bool
	Errors    errs.FieldErrors
}

// userRow is one account in the list.
type userRow struct {
	ID, Username, Name, Roles, Region string
	// Status is 正常, 已停用, 已锁定 and so on.
	Status string
}

// orgKindLabel returns an organisation kind in l (catalog key
// org.<kind>, org.none for none).
func orgKindLabel(l lang, k string) string {
	if k == "" {
		return l.T("org.none")
	}
	return l.T("org." + k)
}

// mayListUsers reports whether id may open user management: system
// administrators, and security administrators (to unlock accounts and
// reset second factors).
func mayListUsers(id authn.Identity) bool {
	return accounts.ManagesUsers(id.Viewer) || accounts.UnlocksUsers(id.Viewer)
}

// notFound answers a route the caller's roles do not reach, as if it did
// not exist.
var notFound = errs.New(errs.NotFound, "not found")

func (w *Web) users(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !mayListUsers(id) {
		return notFound
	}
	ctx := r.Context()
	page := pageParam(r)
	lg := langOf(r)
	p := usersPage{Layout: w.layout(r, id, lg.T("title.users")), Q: queryValue(r, "q"), Role: queryValue(r, "role"),
		CanCreate: accounts.ManagesUsers(id.Viewer), Errors: errs.FieldErrors{}}
	p.RoleOptions = append(p.RoleOptions, option{Value: "", Label: lg.T("users.any_role")})
	for _, role := range accounts.Roles {
		p.RoleOptions = append(p.RoleOptions, option{Value: role, Label: roleLabel(lg, role), Selected: role == p.Role})
	}
	status := http.StatusOK
	list, err := w.app.Accounts.List(ctx, id.Viewer, accounts.Filter{Query: p.Q, Role: p.Role, Limit: usersPerPage, Offset: (page - 1) * usersPerPage})
	if fe, ok := fieldErrors(err); ok {
		p.Errors, status = fe, http.StatusUnprocessableEntity
	} else if err != nil {
		return err
	}
	codes := make([]string, 0, len(list.Users))
	for _, u := range list.Users {
		codes = append(codes, u.RegionCode)
	}
	names, err := w.app.Regions.Names(ctx, codes)
	if err != nil {
		return err
	}
	now := w.app.DB.Now()
	for _, u := range list.Users {
		labels := make([]string, len(u.Roles))
		for i, role := range u.Roles {
			labels[i] = roleLabel(lg, role)
		}
		row := userRow{ID: u.ID, Username: u.Username, Name: u.Name, Roles: strings.Join(labels, lg.T("list.sep")), Region: names[u.RegionCode]}
		switch {
		case !u.Active:
			row.Status = lg.T("users.state_inactive")
		case u.LockedUntil.After(now):
			row.Status = lg.T("users.state_locked")
		case u.MustChangePassword:
			row.Status = lg.T("users.state_must_change")
		case accounts.TOTPRequired(u.Roles) && !u.TOTPEnabled:
			row.Status = lg.T("users.state_totp")
		default:
			row.Status = lg.T("users.state_ok")
		}
		p.Rows = append(p.Rows, row)
	}
	p.Pager = newPager(r, list.Total, page, usersPerPage)
	w.render(rw, r, status, "users", p)
	return nil
}

// userForm is what the user form holds, as entered.
type userForm struct {
	Username, Name, Phone, RegionCode, OrgKind, OrgName, SchoolID, ClassID string
	Roles                                                                  []string
	Active                                                                 bool
}

// userPage is the view model of one account: the form to create or edit
// it (system administrators), its state, and the buttons to unlock it and
// reset its second factor (security and system administrators).
type userPage struct {
	Layout
	Creating bool
	ID       string
	Version  int
	Form     userForm
	// RoleOptions are the role checkboxes; OrgKindOptions the select.
	RoleOptions    []option
	OrgKindOptions []option
	// Errors are the messages beside the fields.
	Errors errs.FieldErrors
	// OtherErrors are messages for no field on the form.
	OtherErrors []string
	// Message says why the form came back (a validation error, or someone
	// else changed the account meanwhile).
	Message string

	// CanEdit: the form is editable (system administrators); otherwise the
	// account is shown read-only.
	CanEdit bool
	// CanUnlock: the unlock and reset buttons (security and system
	// administrators).
	CanUnlock bool

	// The account's state, for existing accounts.
	RoleLabels         []string
	RegionPath         string
	OrgKindLabel       string
	LockedUntil        string
	TOTPEnabled        bool
	MustChangePassword bool
}

// userFields are the fields of the user form; errors on other fields are
// shown above it.
var userFields = []string{"username", "name", "phone", "region_code", "org_kind", "org_name", "school_id", "class_id", "roles", "active", "password"}

// userPage returns the page of an account (zero u: a new one) with form f.
func (w *Web) userPage(r *http.Request, id authn.Identity, u accounts.User, f userForm, creating bool) (userPage, error) {
	lg := langOf(r)
	title := lg.T("title.user_new")
	if !creating {
		title = lg.T("title.user", u.Username)
	}
	p := userPage{Layout: w.layout(r, id, title), Creating: creating, ID: u.ID, Version: u.Version, Form: f,
		Errors: errs.FieldErrors{}, CanEdit: accounts.ManagesUsers(id.Viewer), CanUnlock: accounts.UnlocksUsers(id.Viewer)}
	for _, role := range accounts.Roles {
		p.RoleOptions = append(p.RoleOptions, option{Value: role, Label: roleLabel(lg, role), Selected: slices.Contains(f.Roles, role)})
	}
	for _, k := range accounts.OrgKinds {
		p.OrgKindOptions = append(p.OrgKindOptions, option{Value: k, Label: orgKindLabel(lg, k), Selected: k == f.OrgKind})
	}
	if creating {
		return p, nil
	}
	for _, role := range u.Roles {
		p.RoleLabels = append(p.RoleLabels, roleLabel(lg, role))
	}
	p.OrgKindLabel = orgKindLabel(lg, u.OrgKind)
	if u.LockedUntil.After(w.app.DB.Now()) {
		p.LockedUntil = chinaTime(u.LockedUntil)
	}
	p.TOTPEnabled, p.MustChangePassword = u.TOTPEnabled, u.MustChangePassword
	var err error
	p.RegionPath, err = w.app.Regions.PathString(r.Context(), u.RegionCode)
	if errs.CodeOf(err) == errs.NotFound {
		p.RegionPath, err = u.RegionCode, nil
	}
	return p, err
}

// withErrors puts the errors of a refused save on p.
func (p *userPage) withErrors(err error) bool {
	e := errs.As(err)
	fe, ok := fieldErrors(err)
	switch {
	case ok:
		for k, msg := range fe {
			if slices.Contains(userFields, k) {
				p.Errors[k] = msg
			} else {
				p.OtherErrors = append(p.OtherErrors, msg)
			}
		}
		slices.Sort(p.OtherErrors)
		p.Message = e.Message
	case e.Code == errs.Conflict:
		p.Message = e.Message
	default:
		return false
	}
	return true
}

func formOf(u accounts.User) userForm {
	return userForm{Username: u.Username, Name: u.Name, Phone: u.Phone, RegionCode: u.RegionCode, OrgKind: u.OrgKind, OrgName: u.OrgName,
		SchoolID: u.SchoolID, ClassID: u.ClassID, Roles: u.Roles, Active: u.Active}
}

// postedUser reads the user form.
func postedUser(r *http.Request) (userForm, accounts.Input) {
	var roles []string
	for _, role := range r.PostForm["roles"] {
		roles = append(roles, clean(role))
	}
	f := userForm{Username: strings.TrimSpace(postValue(r, "username")), Name: postValue(r, "name"), Phone: postValue(r, "phone"),
		RegionCode: strings.TrimSpace(postValue(r, "region_code")), OrgKind: postValue(r, "org_kind"), OrgName: postValue(r, "org_name"),
		SchoolID: strings.TrimSpace(postValue(r, "school_id")), ClassID: strings.TrimSpace(postValue(r, "class_id")),
		Roles: roles, Active: r.PostFormValue("active") != ""}
	in := accounts.Input{Username: f.Username, Name: f.Name, Phone: f.Phone, RegionCode: f.RegionCode, OrgKind: f.OrgKind, OrgName: f.OrgName,
		SchoolID: f.SchoolID, ClassID: f.ClassID, Roles: f.Roles, Active: f.Active, Password: r.PostFormValue("password")}
	return f, in
}

func (w *Web) newUser(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !accounts.ManagesUsers(id.Viewer) {
		return notFound
	}
	p, err := w.userPage(r, id, accounts.User{}, userForm{Active: true, RegionCode: id.Viewer.Region}, true)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "user", p)
	return nil
}

func (w *Web) createUser(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !accounts.ManagesUsers(id.Viewer) {
		return notFound
	}
	f, in := postedUser(r)
	u, err := w.app.Accounts.Create(r.Context(), id.Viewer, in)
	if err == nil {
		return seeOther(rw, r, "/users/"+u.ID+"?n=created")
	}
	p, perr := w.userPage(r, id, accounts.User{}, f, true)
	if perr != nil {
		return perr
	}
	if !p.withErrors(err) {
		return err
	}
	w.render(rw, r, statusOf(err), "user", p)
	return nil
}

// statusOf is the status of a form sent back with errors.
func statusOf(err error) int {
	if errs.CodeOf(err) == errs.Conflict {
		if _, ok := fieldErrors(err); !ok {
			return http.StatusConflict
		}
	}
	return http.StatusUnprocessableEntity
}

// target loads the account a /users/{id} route names, within the caller's
// scope; errs.NotFound otherwise.
func (w *Web) target(r *http.Request, id authn.Identity) (accounts.User, error) {
	if !mayListUsers(id) {
		return accounts.User{}, notFound
	}
	uid := r.PathValue("id")
	if _, err := uuid.Parse(uid); err != nil {
		return accounts.User{}, notFound
	}
	return w.app.Accounts.Get(r.Context(), id.Viewer, uid)
}

func (w *Web) user(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	u, err := w.target(r, id)
	if err != nil {
		return err
	}
	p, err := w.userPage(r, id, u, formOf(u), false)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "user", p)
	return nil
}

func (w *Web) updateUser(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !accounts.ManagesUsers(id.Viewer) {
		return notFound
	}
	u, err := w.target(r, id)
	if err != nil {
		return err
	}
	f, in := postedUser(r)
	f.Username = u.Username
	ver, err := version(r)
	if err != nil {
		return err
	}
	_, err = w.app.Accounts.Update(r.Context(), id.Viewer, u.ID, ver, in)
	if err == nil {
		return seeOther(rw, r, "/users/"+u.ID+"?n=saved")
	}
	p, perr := w.userPage(r, id, u, f, false)
	if perr != nil {
		return perr
	}
	// Keep the version the form was read at: a stale form stays stale.
	p.Version = ver
	if !p.withErrors(err) {
		return err
	}
	w.render(rw, r, statusOf(err), "user", p)
	return nil
}

func (w *Web) unlockUser(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	u, err := w.target(r, id)
	if err != nil {
		return err
	}
	if err := w.app.Accounts.Unlock(r.Context(), id.Viewer, u.ID); err != nil {
		return err
	}
	return seeOther(rw, r, "/users/"+u.ID+"?n=unlocked")
}

func (w *Web) resetTOTP(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	u, err := w.target(r, id)
	if err != nil {
		return err
	}
	if err := w.app.Accounts.ResetTOTP(r.Context(), id.Viewer, u.ID); err != nil {
		return err
	}
	return seeOther(rw, r, "/users/"+u.ID+"?n=totp_reset")
}
