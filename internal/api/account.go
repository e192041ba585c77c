package api

import (
	"net/http"
	"time"

	"guanai/internal/accounts"
	"guanai/internal/audit"
	"guanai/internal/authn"
	"guanai/internal/errs"
)

// MeJSON says who the caller is.
type MeJSON struct {
	accounts.User
	RoleLabels []string `json:"role_labels"`
	// Restricted: the caller must change the initial password or enrol a
	// second factor before anything else.
	Restricted   bool   `json:"restricted"`
	TOTPRequired bool   `json:"totp_required"`
	CSRFToken    string `json:"csrf_token,omitempty"`
}

func meJSON(u accounts.User, csrf string) MeJSON {
	labels := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		labels[i] = accounts.RoleLabel(r)
	}
	return MeJSON{User: u, RoleLabels: labels, Restricted: u.Restricted(), TOTPRequired: accounts.TOTPRequired(u.Roles), CSRFToken: csrf}
}

func (api *API) clientIP(r *http.Request) string {
	a := authn.Authenticator{TrustProxy: api.app.Config.TrustProxy}
	return a.ClientIP(r)
}

func (api *API) login(w http.ResponseWriter, r *http.Request) error {
	var c accounts.Credentials
	if err := decode(r, &c); err != nil {
		return err
	}
	sess, u, err := api.app.Accounts.Login(r.Context(), c, api.clientIP(r), r.UserAgent())
	if err != nil {
		return err
	}
	authn.SetSession(w, r, sess)
	writeJSON(w, http.StatusOK, meJSON(u, sess.CSRFToken))
	return nil
}

func (api *API) logout(w http.ResponseWriter, r *http.Request) error {
	id := identity(r)
	if id.Session != nil {
		if err := api.app.Accounts.Logout(r.Context(), id.Session.ID, api.clientIP(r)); err != nil {
			return err
		}
	}
	authn.ClearSession(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (api *API) me(w http.ResponseWriter, r *http.Request) error {
	id := identity(r)
	csrf := ""
	if id.Session != nil {
		csrf = id.Session.CSRFToken
	}
	writeJSON(w, http.StatusOK, meJSON(id.User, csrf))
	return nil
}

type passwordBody struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (api *API) changePassword(w http.ResponseWriter, r *http.Request) error {
	var b passwordBody
	if err := decode(r, &b); err != nil {
		return err
	}
	id := identity(r)
	sid := ""
	if id.Session != nil {
		sid = id.Session.ID
	}
	if err := api.app.Accounts.ChangePassword(r.Context(), id.Viewer, sid, b.CurrentPassword, b.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (api *API) beginTOTP(w http.ResponseWriter, r *http.Request) error {
	e, err := api.app.Accounts.BeginTOTP(r.Context(), identity(r).Viewer)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

type totpBody struct {
	Code string `json:"code"`
}

func (api *API) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	var b totpBody
	if err := decode(r, &b); err != nil {
		return err
	}
	if err := api.app.Accounts.ConfirmTOTP(r.Context(), identity(r).Viewer, b.Code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// TokenJSON is an access token's record.
type TokenJSON struct {
	accounts.Token
	LastUsedAt string `json:"last_used_at"`
	// Secret is present only in the response that created the token.
	Secret string `json:"secret,omitempty"`
}

func tokenJSON(t accounts.Token, secret string) TokenJSON {
	last := ""
	if !t.LastUsed.IsZero() {
		last = t.LastUsed.UTC().Format(time.RFC3339)
	}
	return TokenJSON{Token: t, LastUsedAt: last, Secret: secret}
}

func (api *API) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := api.app.Accounts.Tokens(r.Context(), identity(r).Viewer)
	if err != nil {
		return err
	}
	out := make([]TokenJSON, len(ts))
	for i, t := range ts {
		out[i] = tokenJSON(t, "")
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type tokenBody struct {
	Name string `json:"name"`
}

func (api *API) createToken(w http.ResponseWriter, r *http.Request) error {
	var b tokenBody
	if err := decode(r, &b); err != nil {
		return err
	}
	t, secret, err := api.app.Accounts.CreateToken(r.Context(), identity(r).Viewer, b.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, tokenJSON(t, secret))
	return nil
}

func (api *API) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := api.app.Accounts.RevokeToken(r.Context(), identity(r).Viewer, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- users

func (api *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	fe := errs.FieldErrors{}
	f := accounts.Filter{Query: q.Get("q"), Role: q.Get("role"), Region: q.Get("region"),
		Limit: intParam(r, "limit", 50, fe), Offset: intParam(r, "offset", 0, fe)}
	if err := fe.Err(); err != nil {
		return err
	}
	p, err := api.app.Accounts.List(r.Context(), identity(r).Viewer, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (api *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var in accounts.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := api.app.Accounts.Create(r.Context(), identity(r).Viewer, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (api *API) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := api.app.Accounts.Get(r.Context(), identity(r).Viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

type userBody struct {
	Version int `json:"version"`
	accounts.Input
}

func (api *API) updateUser(w http.ResponseWriter, r *http.Request) error {
	var b userBody
	if err := decode(r, &b); err != nil {
		return err
	}
	if b.Version < 1 {
		return errs.FieldErrors{"version": "必须提供读取时的版本号 version"}.Err()
	}
	v := identity(r).Viewer
	if _, err := api.app.Accounts.Get(r.Context(), v, r.PathValue("id")); err != nil {
		return err
	}
	u, err := api.app.Accounts.Update(r.Context(), v, r.PathValue("id"), b.Version, b.Input)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (api *API) unlockUser(w http.ResponseWriter, r *http.Request) error {
	v := identity(r).Viewer
	if _, err := api.app.Accounts.Get(r.Context(), v, r.PathValue("id")); err != nil {
		return err
	}
	if err := api.app.Accounts.Unlock(r.Context(), v, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (api *API) resetTOTP(w http.ResponseWriter, r *http.Request) error {
	v := identity(r).Viewer
	if _, err := api.app.Accounts.Get(r.Context(), v, r.PathValue("id")); err != nil {
		return err
	}
	if err := api.app.Accounts.ResetTOTP(r.Context(), v, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- audit

func (api *API) searchAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	fe := errs.FieldErrors{}
	f := audit.Filter{UserID: q.Get("user_id"), Username: q.Get("username"), Action: q.Get("action"), RecordType: q.Get("record_type"),
		RecordID: q.Get("record_id"), Limit: intParam(r, "limit", 50, fe), Offset: intParam(r, "offset", 0, fe)}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if s := q.Get(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				fe.Addf(name, "参数 %s 应为 RFC 3339 时间，例如 2026-01-31T08:00:00+08:00", name)
			}
			*dst = t
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	p, err := audit.Search(r.Context(), api.app.DB, identity(r).Viewer, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}
