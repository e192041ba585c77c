package web

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"guanai/internal/accounts"
	"guanai/internal/authn"
	"guanai/internal/errs"
	"guanai/internal/person"
)

// accountPage is the view model of 我的账号: who the user is, the
// change-password form, enrolment of the second factor, and personal
// access tokens.
type accountPage struct {
	Layout
	Name, Username string
	RoleLabels     []string
	// RegionPath is the user's region, province first ("全国" for none).
	RegionPath string
	OrgName    string

	MustChangePassword bool
	TOTPRequired       bool
	TOTPEnabled        bool
	Restricted         bool

	// PasswordErrors are the change-password form's messages by field.
	PasswordErrors errs.FieldErrors

	// Enrolment is the QR code of a TOTP enrolment in progress.
	Enrolment *enrolment
	TOTPError string

	// ShowTokens is false while the account is restricted.
	ShowTokens bool
	Tokens     []tokenRow
	TokenName  string
	TokenError string
	// NewToken is the token just created; its secret is shown this once.
	NewToken *newToken
}

// enrolment is a TOTP enrolment in progress as the account page shows it.
type enrolment struct {
	// QRCode is a data: URL of a PNG made by accounts.BeginTOTP.
	QRCode template.URL
	// Secret is the key in base32, for typing into an app by hand.
	Secret  string
	expires time.Time
}

// enrolmentTTL is how long the QR code of an unconfirmed enrolment is kept
// for showing again after a mistyped code.
const enrolmentTTL = 15 * time.Minute

// tokenRow is one personal access token in the list.
type tokenRow struct {
	ID, Name, CreatedAt, LastUsed string
	Revoked                       bool
}

// newToken is a just-created token with its secret.
type newToken struct {
	Name, Secret string
}

// chinaTime formats t for display in China time, "" for the zero time.
func chinaTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(person.China).Format("2006-01-02 15:04")
}

// accountPage builds the account page for id.
func (w *Web) accountPage(r *http.Request, id authn.Identity) (accountPage, error) {
	u := id.User
	lg := langOf(r)
	p := accountPage{Layout: w.layout(r, id, lg.T("title.account")), Name: u.Name, Username: u.Username, OrgName: u.OrgName,
		MustChangePassword: u.MustChangePassword, TOTPRequired: accounts.TOTPRequired(u.Roles), TOTPEnabled: u.TOTPEnabled,
		Restricted: u.Restricted(), ShowTokens: !u.Restricted(), PasswordErrors: errs.FieldErrors{}}
	for _, role := range u.Roles {
		p.RoleLabels = append(p.RoleLabels, roleLabel(lg, role))
	}
	var err error
	if p.RegionPath, err = w.app.Regions.PathString(r.Context(), u.RegionCode); err != nil {
		return p, err
	}
	if u.RegionCode == "" {
		p.RegionPath = lg.T("region.china")
	}
	if p.ShowTokens {
		ts, err := w.app.Accounts.Tokens(r.Context(), id.Viewer)
		if err != nil {
			return p, err
		}
		for _, t := range ts {
			p.Tokens = append(p.Tokens, tokenRow{ID: t.ID, Name: t.Name, CreatedAt: chinaTime(t.CreatedAt), LastUsed: chinaTime(t.LastUsed), Revoked: t.Revoked})
		}
	}
	return p, nil
}

func (w *Web) account(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	p, err := w.accountPage(r, id)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "account", p)
	return nil
}

// changePassword changes the user's own password. The three password
// fields are never filled in again when the form comes back with errors.
func (w *Web) changePassword(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	cur, next, again := r.PostFormValue("current_password"), r.PostFormValue("new_password"), r.PostFormValue("new_password2")
	lg := langOf(r)
	fe := errs.FieldErrors{}
	if cur == "" {
		fe.Add("current_password", lg.T("account.err_current"))
	}
	if next == "" {
		fe.Add("new_password", lg.T("account.err_new"))
	} else if err := accounts.CheckPolicy("new_password", id.User.Username, next); err != nil && again != next {
		// Say everything at once when the form goes back anyway.
		fe.Add("new_password", errs.As(err).Fields["new_password"])
	}
	if again != next {
		fe.Add("new_password2", lg.T("account.err_repeat"))
	}
	var err error
	if len(fe) == 0 {
		sid := ""
		if id.Session != nil {
			sid = id.Session.ID
		}
		err = w.app.Accounts.ChangePassword(r.Context(), id.Viewer, sid, cur, next)
		if err == nil {
			return seeOther(rw, r, "/account?n=password")
		}
		var ok bool
		if fe, ok = fieldErrors(err); !ok {
			return err
		}
	}
	p, err := w.accountPage(r, id)
	if err != nil {
		return err
	}
	p.PasswordErrors = fe
	w.render(rw, r, http.StatusUnprocessableEntity, "account", p)
	return nil
}

// beginTOTP starts an enrolment and shows its QR code and secret.
func (w *Web) beginTOTP(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	e, err := w.app.Accounts.BeginTOTP(r.Context(), id.Viewer)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(e.QRCode, "data:image/png;base64,") {
		return errs.Wrap(errs.New(errs.Internal, "unexpected QR code URL"), "totp")
	}
	en := &enrolment{QRCode: template.URL(e.QRCode), Secret: e.Secret, expires: w.app.DB.Now().Add(enrolmentTTL)}
	w.enrolments.Store(id.User.ID, en)
	p, err := w.accountPage(r, id)
	if err != nil {
		return err
	}
	p.Enrolment = en
	w.render(rw, r, http.StatusOK, "account", p)
	return nil
}

// confirmTOTP enables the enrolment in progress once the code matches; a
// wrong code shows the same QR code again with the error beside the field.
func (w *Web) confirmTOTP(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	err := w.app.Accounts.ConfirmTOTP(r.Context(), id.Viewer, r.PostFormValue("totp"))
	if err == nil {
		w.enrolments.Delete(id.User.ID)
		return seeOther(rw, r, "/account?n=totp")
	}
	fe, ok := fieldErrors(err)
	if !ok {
		return err
	}
	p, err := w.accountPage(r, id)
	if err != nil {
		return err
	}
	p.TOTPError = fe["totp"]
	if v, ok := w.enrolments.Load(id.User.ID); ok {
		if en := v.(*enrolment); w.app.DB.Now().Before(en.expires) {
			p.Enrolment = en
		} else {
			w.enrolments.Delete(id.User.ID)
		}
	}
	if p.Enrolment == nil {
		p.TOTPError = langOf(r).T("account.qr_expired")
	}
	w.render(rw, r, http.StatusUnprocessableEntity, "account", p)
	return nil
}

// createToken issues a personal access token and shows its secret once.
func (w *Web) createToken(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	name := r.PostFormValue("name")
	t, secret, err := w.app.Accounts.CreateToken(r.Context(), id.Viewer, name)
	fe, invalid := fieldErrors(err)
	if err != nil && !invalid {
		return err
	}
	p, perr := w.accountPage(r, id)
	if perr != nil {
		return perr
	}
	if invalid {
		p.TokenName, p.TokenError = name, fe["name"]
		w.render(rw, r, http.StatusUnprocessableEntity, "account", p)
		return nil
	}
	p.NewToken = &newToken{Name: t.Name, Secret: secret}
	w.render(rw, r, http.StatusOK, "account", p)
	return nil
}

func (w *Web) revokeToken(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if err := w.app.Accounts.RevokeToken(r.Context(), id.Viewer, r.PathValue("id")); err != nil {
		return err
	}
	return seeOther(rw, r, "/account?n=token_revoked")
}
