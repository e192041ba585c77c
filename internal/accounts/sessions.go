package accounts

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"image/png"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/storage"
)

// Session is a logged-in session. ID is only known right after login (the
// database keeps its hash).
type Session struct {
	ID        string
	CSRFToken string
	UserID    string
	CreatedAt time.Time
	LastSeen  time.Time
}

// Credentials are what a user presents at login.
type Credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
	TOTP     string `json:"totp"`
}

// The messages of a refused login. A wrong username and a wrong password
// get the same one.
const (
	MsgBadCredentials = "用户名或密码错误"
	MsgTOTPNeeded     = "请输入动态验证码"
	MsgTOTPWrong      = "动态验证码错误或已使用"
	MsgRateLimited    = "登录尝试过于频繁，请稍后再试"
)

// LockedError says when a locked account unlocks.
func lockedError(until time.Time) error {
	return &errs.Error{Code: errs.Unauthorized, Message: fmt.Sprintf("账号因连续登录失败已被锁定，将于 %s 自动解锁", until.In(person.China).Format("2006-01-02 15:04"))}
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// randomPassword returns a password meeting the policy.
func randomPassword() string {
	const sets = "ABCDEFGHJKLMNPQRSTUVWXYZ" + "abcdefghijkmnopqrstuvwxyz" + "23456789"
	pick := func(s string) byte {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(s))))
		return s[n.Int64()]
	}
	b := []byte{pick("ABCDEFGHJKLMNPQRSTUVWXYZ"), pick("abcdefghijkmnopqrstuvwxyz"), pick("23456789"), '-'}
	for range 10 {
		b = append(b, pick(sets))
	}
	return string(b)
}

// Login checks credentials and opens a session. ip is the client address
// (for the rate limit and the audit log). Every outcome is audited:
// success, failure, lockout.
func (s *Store) Login(ctx context.Context, c Credentials, ip, userAgent string) (Session, User, error) {
	if !s.limiter.allow(ip, s.db.Now()) {
		return Session{}, User{}, errs.New(errs.Unauthorized, MsgRateLimited)
	}
	anon := access.Viewer{IP: ip}
	username := strings.ToLower(strings.TrimSpace(c.Username))
	var u User
	err := func() error {
		q := s.db.Reader()
		var id string
		err := q.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			CheckPassword(dummyHash, c.Password)
			return errs.New(errs.Unauthorized, MsgBadCredentials)
		}
		if err != nil {
			return err
		}
		u, err = s.byID(ctx, q, id)
		return err
	}()
	if err != nil {
		if errs.CodeOf(err) == errs.Unauthorized {
			audit.Log(ctx, s.db, anon, audit.Entry{Action: audit.ActionLoginFailed, Username: clip(username, 64), Note: "用户不存在"})
		}
		return Session{}, User{}, err
	}
	now := s.db.Now()
	uv := access.Viewer{UserID: u.ID, Username: u.Username, IP: ip}
	if !u.LockedUntil.IsZero() && u.LockedUntil.After(now) {
		audit.Log(ctx, s.db, uv, audit.Entry{Action: audit.ActionLoginFailed, RecordType: "user", RecordID: u.ID, Note: "账号已锁定"})
		return Session{}, User{}, lockedError(u.LockedUntil)
	}
	fail := func(note, msg string) error {
		locked, err := s.recordFailure(ctx, u.ID, uv, note)
		if err != nil {
			return err
		}
		if !locked.IsZero() {
			return lockedError(locked)
		}
		return &errs.Error{Code: errs.Unauthorized, Message: msg}
	}
	if !CheckPassword(u.passwordHash, c.Password) {
		return Session{}, User{}, fail("密码错误", MsgBadCredentials)
	}
	if !u.Active {
		return Session{}, User{}, fail("账号已停用", MsgBadCredentials)
	}
	var step int64
	if u.TOTPEnabled {
		code := strings.TrimSpace(c.TOTP)
		if code == "" {
			return Session{}, User{}, &errs.Error{Code: errs.Unauthorized, Message: MsgTOTPNeeded, Fields: map[string]string{"totp": MsgTOTPNeeded}}
		}
		var ok bool
		step, ok = s.checkTOTP(u, code, now)
		if !ok {
			return Session{}, User{}, fail("动态验证码错误", MsgTOTPWrong)
		}
	}
	sess := Session{ID: randomToken(32), CSRFToken: randomToken(32), UserID: u.ID, CreatedAt: now, LastSeen: now}
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		if step > 0 {
			// A code is accepted once: the step must move forward.
			res, err := tx.ExecContext(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, u.ID, step)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errs.New(errs.Unauthorized, MsgTOTPWrong)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?`, u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			hashToken(sess.ID), u.ID, sess.CSRFToken, storage.TimeArg(tx.Now), storage.TimeArg(tx.Now), clip(ip, 64), clip(userAgent, 200)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, uv, audit.Entry{Action: audit.ActionLogin, RecordType: "user", RecordID: u.ID})
	})
	if err != nil {
		return Session{}, User{}, errs.Wrap(err, "login")
	}
	return sess, u, nil
}

// recordFailure counts a wrong password (or code) against the account and
// audits it; at MaxFailures in a row it locks the account for LockFor,
// ends its sessions, and returns when the lock ends.
func (s *Store) recordFailure(ctx context.Context, userID string, uv access.Viewer, note string) (locked time.Time, err error) {
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`, userID).Scan(&n); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, uv, audit.Entry{Action: audit.ActionLoginFailed, RecordType: "user", RecordID: userID, Note: note}); err != nil {
			return err
		}
		if n < s.Policy.MaxFailures {
			return nil
		}
		locked = tx.Now.Add(s.Policy.LockFor)
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?`, storage.TimeArg(locked), userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, uv, audit.Entry{Action: audit.ActionLockout, RecordType: "user", RecordID: userID,
			Note: fmt.Sprintf("连续%d次登录失败，锁定至%s", n, locked.In(person.China).Format("2006-01-02 15:04"))})
	})
	return locked, errs.Wrap(err, "record failure")
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

var errNoSession = errs.New(errs.Unauthorized, "请先登录")

// Authenticate returns the session and user for a session id, ending the
// session if it has been idle or open too long, or if the user is disabled.
func (s *Store) Authenticate(ctx context.Context, sessionID string) (Session, User, error) {
	if sessionID == "" {
		return Session{}, User{}, errNoSession
	}
	h := hashToken(sessionID)
	var sess Session
	err := s.db.Reader().QueryRowContext(ctx, `SELECT user_id, csrf_token, created_at, last_seen_at FROM sessions WHERE id_hash = ?`, h).
		Scan(&sess.UserID, &sess.CSRFToken, storage.Time{T: &sess.CreatedAt}, storage.Time{T: &sess.LastSeen})
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, User{}, errNoSession
	}
	if err != nil {
		return Session{}, User{}, errs.Wrap(err, "session")
	}
	sess.ID = sessionID
	now := s.db.Now()
	u, err := s.byID(ctx, s.db.Reader(), sess.UserID)
	if err != nil || !u.Active || now.Sub(sess.LastSeen) > s.Policy.IdleTimeout || now.Sub(sess.CreatedAt) > s.Policy.AbsoluteTimeout {
		s.db.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, h)
			return err
		})
		return Session{}, User{}, &errs.Error{Code: errs.Unauthorized, Message: "登录已过期，请重新登录"}
	}
	// Touch at most once a minute: idle time is kept to the minute without
	// a write per request.
	if now.Sub(sess.LastSeen) > time.Minute {
		err := s.db.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`, storage.TimeArg(tx.Now), h)
			return err
		})
		if err != nil {
			return Session{}, User{}, errs.Wrap(err, "session")
		}
		sess.LastSeen = now
	}
	return sess, u, nil
}

// Logout ends the session.
func (s *Store) Logout(ctx context.Context, sessionID, ip string) error {
	sess, u, err := s.Authenticate(ctx, sessionID)
	if err != nil {
		return nil
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, hashToken(sess.ID)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, access.Viewer{UserID: u.ID, Username: u.Username, IP: ip}, audit.Entry{Action: audit.ActionLogout, RecordType: "user", RecordID: u.ID})
	})
}

// ChangePassword changes the viewer's own password, checking the current one.
// Other sessions of the user end.
func (s *Store) ChangePassword(ctx context.Context, v access.Viewer, sessionID, current, next string) error {
	u, err := s.byID(ctx, s.db.Reader(), v.UserID)
	if err != nil {
		return err
	}
	if !CheckPassword(u.passwordHash, current) {
		// Guessing the current password counts like a failed login: the
		// account locks (and this session ends) after MaxFailures.
		locked, err := s.recordFailure(ctx, u.ID, v, "修改密码时当前密码错误")
		if err != nil {
			return err
		}
		if !locked.IsZero() {
			return lockedError(locked)
		}
		return errs.FieldErrors{"current_password": "当前密码不正确"}.Err()
	}
	if u.failed > 0 {
		if err := s.db.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0 WHERE id = ?`, u.ID)
			return err
		}); err != nil {
			return errs.Wrap(err, "change password")
		}
	}
	if err := CheckPolicy("new_password", u.Username, next); err != nil {
		return err
	}
	if current == next {
		return errs.FieldErrors{"new_password": "新密码不能与当前密码相同"}.Err()
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, must_change_password = ?, password_changed_at = ?, updated_at = ? WHERE id = ?`,
			hash, false, storage.TimeArg(tx.Now), storage.TimeArg(tx.Now), u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?`, u.ID, hashToken(sessionID)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionPassword, RecordType: "user", RecordID: u.ID})
	})
}

// --- TOTP

const totpPeriod = 30

// checkTOTP accepts a code for the current step or one step either side,
// and never a step at or before the last one used. It returns the step.
func (s *Store) checkTOTP(u User, code string, now time.Time) (int64, bool) {
	if len(u.totpSecret) == 0 {
		return 0, false
	}
	secret, err := s.vault.Open(u.totpSecret)
	if err != nil {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		if step <= u.totpLastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && want == code {
			return step, true
		}
	}
	return 0, false
}

// Enrolment is a pending TOTP enrolment: the secret, the otpauth URL and a
// PNG QR code of it as a data URL.
type Enrolment struct {
	Secret string `json:"secret"`
	URL    string `json:"otpauth_url"`
	QRCode string `json:"qr_png"`
}

// BeginTOTP creates a new secret for the viewer (kept until confirmed; an
// enabled factor stays in force until then).
func (s *Store) BeginTOTP(ctx context.Context, v access.Viewer) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "guanai", AccountName: v.Username, Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, errs.Wrap(err, "totp")
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, errs.Wrap(err, "totp qr")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, errs.Wrap(err, "totp qr")
	}
	sealed, err := s.vault.Seal(key.Secret())
	if err != nil {
		return Enrolment{}, errs.Wrap(err, "totp")
	}
	s.pending.Store(v.UserID, sealed)
	return Enrolment{Secret: key.Secret(), URL: key.URL(), QRCode: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// ConfirmTOTP enables the pending secret once the user proves they hold it
// with a valid code.
func (s *Store) ConfirmTOTP(ctx context.Context, v access.Viewer, code string) error {
	p, ok := s.pending.Load(v.UserID)
	if !ok {
		return errs.FieldErrors{"totp": "请先生成二维码"}.Err()
	}
	u := User{totpSecret: p.([]byte)}
	step, ok := s.checkTOTP(u, strings.TrimSpace(code), s.db.Now())
	if !ok {
		return errs.FieldErrors{"totp": "动态验证码不正确，请核对手机上的时间后重试"}.Err()
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = ?, totp_enabled = ?, totp_last_step = ?, updated_at = ? WHERE id = ?`,
			u.totpSecret, true, step, storage.TimeArg(tx.Now), v.UserID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionTOTP, RecordType: "user", RecordID: v.UserID, Note: "启用动态验证码"})
	})
	if err == nil {
		s.pending.Delete(v.UserID)
	}
	return err
}

// ResetTOTP removes a user's second factor (security administrator), e.g.
// after a lost phone; they enrol again at next login if their role needs it.
func (s *Store) ResetTOTP(ctx context.Context, v access.Viewer, id string) error {
	if !UnlocksUsers(v) {
		return errs.New(errs.Forbidden, "只有安全管理员或系统管理员可以重置动态验证码")
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		cur, err := s.byID(ctx, tx, id)
		if err != nil || (!manages(v, cur.RegionCode)) {
			return errUserNotFound
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = NULL, totp_enabled = ?, updated_at = ? WHERE id = ?`, false, storage.TimeArg(tx.Now), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionTOTP, RecordType: "user", RecordID: id, Note: "重置动态验证码"})
	})
}

// --- personal access tokens

// Token is a personal access token's record (never its secret).
type Token struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	LastUsed  time.Time `json:"-"`
	Revoked   bool      `json:"revoked"`
}

// CreateToken issues a personal access token for the viewer and returns
// its secret, shown once.
func (s *Store) CreateToken(ctx context.Context, v access.Viewer, name string) (Token, string, error) {
	fe := errs.FieldErrors{}
	name = person.CheckText(fe, "name", "令牌名称", name, 40)
	if name == "" {
		fe.Add("name", "请为令牌命名（例如用途）")
	}
	if err := fe.Err(); err != nil {
		return Token{}, "", err
	}
	secret := "gat_" + randomToken(30)
	t := Token{ID: uuid.Must(uuid.NewV7()).String(), Name: name, CreatedAt: s.db.Now()}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO access_tokens (id, user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
			t.ID, v.UserID, name, hashToken(secret), storage.TimeArg(tx.Now)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionTokenCreate, RecordType: "access_token", RecordID: t.ID, Note: name})
	})
	return t, secret, errs.Wrap(err, "create token")
}

// Tokens lists the viewer's tokens.
func (s *Store) Tokens(ctx context.Context, v access.Viewer) ([]Token, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, name, created_at, last_used_at, revoked_at IS NOT NULL FROM access_tokens WHERE user_id = ? ORDER BY created_at`, v.UserID)
	if err != nil {
		return nil, errs.Wrap(err, "tokens")
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		if err := rows.Scan(&t.ID, &t.Name, storage.Time{T: &t.CreatedAt}, storage.Time{T: &t.LastUsed}, &t.Revoked); err != nil {
			return nil, errs.Wrap(err, "tokens")
		}
		out = append(out, t)
	}
	return out, errs.Wrap(rows.Err(), "tokens")
}

// RevokeToken revokes one of the viewer's tokens.
func (s *Store) RevokeToken(ctx context.Context, v access.Viewer, id string) error {
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE access_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`, storage.TimeArg(tx.Now), id, v.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.NotFound, "未找到该令牌")
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionTokenRevoke, RecordType: "access_token", RecordID: id})
	})
}

// AuthenticateToken returns the user of a valid, unrevoked token whose
// user is active.
func (s *Store) AuthenticateToken(ctx context.Context, secret string) (User, error) {
	var id, userID string
	var lastUsed time.Time
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, user_id, last_used_at FROM access_tokens WHERE token_hash = ? AND revoked_at IS NULL`, hashToken(secret)).
		Scan(&id, &userID, storage.Time{T: &lastUsed})
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errs.New(errs.Unauthorized, "访问令牌无效或已撤销")
	}
	if err != nil {
		return User{}, errs.Wrap(err, "token")
	}
	u, err := s.byID(ctx, s.db.Reader(), userID)
	if err != nil || !u.Active {
		return User{}, errs.New(errs.Unauthorized, "访问令牌无效或已撤销")
	}
	if !u.LockedUntil.IsZero() && u.LockedUntil.After(s.db.Now()) {
		return User{}, lockedError(u.LockedUntil)
	}
	if now := s.db.Now(); now.Sub(lastUsed) > time.Minute {
		s.db.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE access_tokens SET last_used_at = ? WHERE id = ?`, storage.TimeArg(tx.Now), id)
			return err
		})
	}
	return u, nil
}

// --- rate limiting

// rateLimiter allows n login attempts per client address per window.
type rateLimiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	hits   map[string][]time.Time
}

func newRateLimiter(n int, window time.Duration) *rateLimiter {
	return &rateLimiter{n: n, window: window, hits: map[string][]time.Time{}}
}

func (r *rateLimiter) allow(key string, now time.Time) bool {
	if r.n <= 0 {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.hits) > 10000 {
		for k, ts := range r.hits {
			if len(ts) == 0 || now.Sub(ts[len(ts)-1]) > r.window {
				delete(r.hits, k)
			}
		}
	}
	ts := r.hits[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= r.window {
		i++
	}
	ts = ts[i:]
	if len(ts) >= r.n {
		r.hits[key] = ts
		return false
	}
	r.hits[key] = append(ts, now)
	return true
}
