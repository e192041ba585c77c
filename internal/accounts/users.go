package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/schools"
	"guanai/internal/storage"
	"guanai/internal/vault"
)

// User is an account.
type User struct {
	ID                 string    `json:"id"`
	Version            int       `json:"version"`
	Username           string    `json:"username"`
	Name               string    `json:"name"`
	Phone              string    `json:"phone"`
	RegionCode         string    `json:"region_code"`
	OrgKind            string    `json:"org_kind"`
	OrgName            string    `json:"org_name"`
	SchoolID           string    `json:"school_id"`
	ClassID            string    `json:"class_id"`
	Roles              []string  `json:"roles"`
	Active             bool      `json:"active"`
	MustChangePassword bool      `json:"must_change_password"`
	TOTPEnabled        bool      `json:"totp_enabled"`
	LockedUntil        time.Time `json:"-"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`

	passwordHash string
	failed       int
	totpSecret   []byte
	totpLastStep int64
}

// Restricted reports whether the user must first change their password or
// enrol a second factor before doing anything else.
func (u User) Restricted() bool {
	return u.MustChangePassword || (TOTPRequired(u.Roles) && !u.TOTPEnabled)
}

// Organisation kinds.
var OrgKinds = []string{"", "government", "school", "social_org", "company"}

// Input is what an administrator enters for a user.
type Input struct {
	Username   string   `json:"username"`
	Name       string   `json:"name"`
	Phone      string   `json:"phone"`
	RegionCode string   `json:"region_code"`
	OrgKind    string   `json:"org_kind"`
	OrgName    string   `json:"org_name"`
	SchoolID   string   `json:"school_id"`
	ClassID    string   `json:"class_id"`
	Roles      []string `json:"roles"`
	Active     bool     `json:"active"`
	// Password is required when creating; on update, empty keeps it.
	Password string `json:"password"`
}

// Policy is the configurable login and session policy (等保 profile).
type Policy struct {
	IdleTimeout     time.Duration // default 30 min
	AbsoluteTimeout time.Duration // default 12 h
	MaxFailures     int           // default 5
	LockFor         time.Duration // default 15 min
	LoginPerMinute  int           // per client address, default 20
}

// DefaultPolicy returns the default policy.
func DefaultPolicy() Policy {
	return Policy{IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 12 * time.Hour, MaxFailures: 5, LockFor: 15 * time.Minute, LoginPerMinute: 20}
}

// Store manages accounts, sessions and tokens.
type Store struct {
	db      *storage.DB
	vault   *vault.Vault
	regions *regions.Store
	Policy  Policy
	limiter *rateLimiter
	pending sync.Map // user id → sealed TOTP secret awaiting confirmation
}

// NewStore returns an account store with the given policy.
func NewStore(db *storage.DB, v *vault.Vault, r *regions.Store, p Policy) *Store {
	return &Store{db: db, vault: v, regions: r, Policy: p, limiter: newRateLimiter(p.LoginPerMinute, time.Minute)}
}

const userColumns = `u.id, u.version, u.username, u.name, u.phone, u.region_code, u.org_kind, u.org_name, u.school_id, u.class_id,
	u.active, u.must_change_password, u.totp_enabled, u.locked_until, u.created_at, u.updated_at,
	u.password_hash, u.failed_logins, u.totp_secret, u.totp_last_step`

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var school, class sql.NullString
	err := sc.Scan(&u.ID, &u.Version, &u.Username, &u.Name, &u.Phone, &u.RegionCode, &u.OrgKind, &u.OrgName, &school, &class,
		&u.Active, &u.MustChangePassword, &u.TOTPEnabled, storage.Time{T: &u.LockedUntil}, storage.Time{T: &u.CreatedAt}, storage.Time{T: &u.UpdatedAt},
		&u.passwordHash, &u.failed, &u.totpSecret, &u.totpLastStep)
	u.SchoolID, u.ClassID = school.String, class.String
	return u, err
}

func (s *Store) loadRoles(ctx context.Context, q storage.Querier, us []User) error {
	if len(us) == 0 {
		return nil
	}
	ids := make([]any, len(us))
	idx := map[string]int{}
	for i, u := range us {
		ids[i] = u.ID
		idx[u.ID] = i
		us[i].Roles = []string{}
	}
	rows, err := q.QueryContext(ctx, `SELECT user_id, role FROM user_roles WHERE user_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, r string
		if err := rows.Scan(&id, &r); err != nil {
			return err
		}
		us[idx[id]].Roles = append(us[idx[id]].Roles, r)
	}
	for i := range us {
		us[i].Roles = sortRoles(us[i].Roles)
	}
	return rows.Err()
}

func sortRoles(rs []string) []string {
	out := []string{}
	for _, r := range Roles {
		if slices.Contains(rs, r) {
			out = append(out, r)
		}
	}
	return out
}

var errUserNotFound = errs.New(errs.NotFound, "未找到该用户")

// byID loads a user without scope checks (authentication, internal use).
func (s *Store) byID(ctx context.Context, q storage.Querier, id string) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errUserNotFound
	}
	if err != nil {
		return User{}, errs.Wrap(err, "load user")
	}
	us := []User{u}
	if err := s.loadRoles(ctx, q, us); err != nil {
		return User{}, errs.Wrap(err, "load roles")
	}
	return us[0], nil
}

// userScope is the scope filter for reading accounts: administrators see
// the accounts in their region subtree; everyone else only their own.
func userScope(v access.Viewer) (string, []any) {
	if ManagesUsers(v) || UnlocksUsers(v) {
		lo, hi := v.RegionRange()
		if v.Region == "" {
			// National administrators also manage the national accounts.
			return "((u.region_code >= ? AND u.region_code < ?) OR u.region_code = '')", []any{lo, hi}
		}
		return "u.region_code >= ? AND u.region_code < ?", []any{lo, hi}
	}
	return "u.id = ?", []any{v.UserID}
}

// Get returns a user the viewer may see (errs.NotFound otherwise).
func (s *Store) Get(ctx context.Context, v access.Viewer, id string) (User, error) {
	if _, err := uuid.Parse(id); err != nil {
		return User{}, errUserNotFound
	}
	where, args := userScope(v)
	q := s.db.Reader()
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = ? AND `+where, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errUserNotFound
	}
	if err != nil {
		return User{}, errs.Wrap(err, "get user")
	}
	us := []User{u}
	if err := s.loadRoles(ctx, q, us); err != nil {
		return User{}, errs.Wrap(err, "get user")
	}
	return us[0], nil
}

// Filter selects users.
type Filter struct {
	Query  string // part of the username or name
	Role   string
	Region string
	Limit  int
	Offset int
}

// Page is one page of users.
type Page struct {
	Users  []User `json:"items"`
	Total  int    `json:"total"`
	Limit  int    `json:"limit"`
	Offset int    `json:"offset"`
}

// List returns the users the viewer may see.
func (s *Store) List(ctx context.Context, v access.Viewer, f Filter) (Page, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit, f.Offset = min(f.Limit, 500), max(f.Offset, 0)
	where, args := userScope(v)
	conds := []string{where}
	if q := strings.TrimSpace(f.Query); q != "" {
		c1, a1 := storage.Contains("u.username", q)
		c2, a2 := storage.Contains("u.name", q)
		conds, args = append(conds, "("+c1+" OR "+c2+")"), append(args, a1, a2)
	}
	if f.Role != "" {
		if !slices.Contains(Roles, f.Role) {
			return Page{}, errs.FieldErrors{"role": "角色无效"}.Err()
		}
		conds, args = append(conds, "EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = ?)"), append(args, f.Role)
	}
	if f.Region != "" {
		code, err := regions.Normalize(f.Region)
		if err != nil {
			return Page{}, errs.FieldErrors{"region": errs.As(err).Message}.Err()
		}
		lo, hi := regions.Range(code)
		conds, args = append(conds, "u.region_code >= ? AND u.region_code < ?"), append(args, lo, hi)
	}
	w := strings.Join(conds, " AND ")
	q := s.db.Reader()
	p := Page{Users: []User{}, Limit: f.Limit, Offset: f.Offset}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users u WHERE `+w, args...).Scan(&p.Total); err != nil {
		return Page{}, errs.Wrap(err, "count users")
	}
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users u WHERE `+w+` ORDER BY u.region_code, u.username LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return Page{}, errs.Wrap(err, "list users")
	}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return Page{}, errs.Wrap(err, "list users")
		}
		p.Users = append(p.Users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Page{}, errs.Wrap(err, "list users")
	}
	return p, errs.Wrap(s.loadRoles(ctx, q, p.Users), "list users")
}

var usernameRe = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.\-]{2,31}$`)

// validate checks an input for create (creating) or update.
func (s *Store) validate(ctx context.Context, q storage.Querier, v access.Viewer, in *Input, creating bool) error {
	fe := errs.FieldErrors{}
	// Usernames are case-insensitive: kept in lower case.
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	if creating && !usernameRe.MatchString(in.Username) {
		fe.Add("username", "用户名应为3–32位字母、数字、点、横线或下划线，以字母或数字开头")
	}
	in.Name = person.CheckName(fe, "name", "姓名", in.Name)
	in.Phone = person.CheckPhone(fe, "phone", "手机号", in.Phone)
	if !slices.Contains(OrgKinds, in.OrgKind) {
		fe.Add("org_kind", "所属单位类型无效")
	}
	in.OrgName = person.CheckText(fe, "org_name", "所属单位", in.OrgName, 60)
	code, err := regions.Normalize(in.RegionCode)
	switch {
	case err != nil:
		fe.Add("region_code", errs.As(err).Message)
	case !manages(v, code):
		fe.Addf("region_code", "行政区划%s不在您的管辖范围内", in.RegionCode)
	default:
		if code != "" {
			if _, err := s.regions.Get(ctx, code); err != nil {
				fe.Addf("region_code", "行政区划代码%s不存在", in.RegionCode)
			}
		}
	}
	in.RegionCode = code
	if len(in.Roles) == 0 {
		fe.Add("roles", "至少选择一个角色")
	}
	for _, r := range in.Roles {
		if !slices.Contains(Roles, r) {
			fe.Addf("roles", "角色“%s”无效", r)
		}
	}
	in.Roles = sortRoles(in.Roles)
	admin := 0
	for _, r := range in.Roles {
		if slices.Contains(AdminRoles, r) {
			admin++
		}
	}
	if admin > 1 || (admin == 1 && len(in.Roles) > 1) {
		fe.Add("roles", "三权分立：系统管理员、安全管理员、审计员三者互斥，且不能兼任业务角色")
	}
	needSchool := Has(in.Roles, RolePrincipal) || Has(in.Roles, RoleTeacher)
	if needSchool && in.SchoolID == "" {
		fe.Add("school_id", "校长和教师必须指定学校")
	}
	if Has(in.Roles, RoleTeacher) && in.ClassID == "" {
		fe.Add("class_id", "教师必须指定班级")
	}
	if in.SchoolID != "" {
		sv := access.Viewer{Region: in.RegionCode}
		grade := 0
		if in.ClassID != "" {
			_ = q.QueryRowContext(ctx, `SELECT grade FROM school_classes WHERE id = ?`, in.ClassID).Scan(&grade)
		}
		if err := schools.CheckPlacement(ctx, q, sv, in.SchoolID, in.ClassID, grade, fe); err != nil {
			return err
		}
	} else {
		in.ClassID = ""
	}
	if creating || in.Password != "" {
		if in.Password == "" {
			fe.Add("password", "请设置初始密码")
		} else if err := CheckPolicy("password", in.Username, in.Password); err != nil {
			fe.Add("password", errs.As(err).Fields["password"])
		}
	}
	return fe.Err()
}

// Create adds a user. Only system administrators may, within their region.
func (s *Store) Create(ctx context.Context, v access.Viewer, in Input) (User, error) {
	if !ManagesUsers(v) {
		return User{}, errs.New(errs.Forbidden, "只有系统管理员可以创建用户")
	}
	id := uuid.Must(uuid.NewV7()).String()
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if err := s.validate(ctx, tx, v, &in, true); err != nil {
			return err
		}
		return s.insert(ctx, tx, v, id, in, true)
	})
	if storage.IsUnique(err, "username") {
		return User{}, &errs.Error{Code: errs.Conflict, Message: "用户名已被使用", Fields: map[string]string{"username": "用户名已被使用"}, Err: err}
	}
	if err != nil {
		return User{}, errs.Wrap(err, "create user")
	}
	return s.byID(ctx, s.db.Reader(), id)
}

func (s *Store) insert(ctx context.Context, tx *storage.Tx, v access.Viewer, id string, in Input, mustChange bool) error {
	hash, err := HashPassword(in.Password)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO users (id, version, username, name, phone, region_code, org_kind, org_name, school_id, class_id, active,
		password_hash, must_change_password, password_changed_at, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, in.Username, in.Name, in.Phone, in.RegionCode, in.OrgKind, in.OrgName, nullStr(in.SchoolID), nullStr(in.ClassID), in.Active,
		hash, mustChange, storage.TimeArg(tx.Now), storage.TimeArg(tx.Now), storage.TimeArg(tx.Now))
	if err != nil {
		return err
	}
	for _, r := range in.Roles {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role) VALUES (?, ?)`, id, r); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionCreate, RecordType: "user", RecordID: id,
		Changes: audit.Diff(userFields, nil, userValues(in), map[string]bool{})})
}

var userFields = []string{"username", "name", "phone", "region_code", "org_kind", "org_name", "school_id", "class_id", "roles", "active"}

func userValues(in Input) map[string]string {
	return map[string]string{"username": in.Username, "name": in.Name, "phone": in.Phone, "region_code": in.RegionCode,
		"org_kind": in.OrgKind, "org_name": in.OrgName, "school_id": in.SchoolID, "class_id": in.ClassID,
		"roles": strings.Join(in.Roles, ","), "active": fmt.Sprint(in.Active)}
}

func inputOf(u User) Input {
	return Input{Username: u.Username, Name: u.Name, Phone: u.Phone, RegionCode: u.RegionCode, OrgKind: u.OrgKind, OrgName: u.OrgName,
		SchoolID: u.SchoolID, ClassID: u.ClassID, Roles: u.Roles, Active: u.Active}
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Update changes a user (the username stays). Changing roles, region,
// school, class or disabling the account ends all of the user's sessions
// at once. A new password, if given, must be changed at next login.
func (s *Store) Update(ctx context.Context, v access.Viewer, id string, version int, in Input) (User, error) {
	if !ManagesUsers(v) {
		return User{}, errs.New(errs.Forbidden, "只有系统管理员可以修改用户")
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		cur, err := s.byID(ctx, tx, id)
		if err != nil {
			return err
		}
		if !manages(v, cur.RegionCode) {
			return errUserNotFound
		}
		if cur.Version != version {
			return errs.New(errs.Conflict, "该用户已被他人修改，请刷新后重试")
		}
		in.Username = cur.Username
		if err := s.validate(ctx, tx, v, &in, false); err != nil {
			return err
		}
		if id == v.UserID && (!in.Active || !slices.Equal(in.Roles, cur.Roles)) {
			return errs.FieldErrors{"roles": "不能停用自己的账号或修改自己的角色"}.Err()
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET version = version + 1, name = ?, phone = ?, region_code = ?, org_kind = ?, org_name = ?,
			school_id = ?, class_id = ?, active = ?, updated_at = ? WHERE id = ? AND version = ?`,
			in.Name, in.Phone, in.RegionCode, in.OrgKind, in.OrgName, nullStr(in.SchoolID), nullStr(in.ClassID), in.Active, storage.TimeArg(tx.Now), id, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, "该用户已被他人修改，请刷新后重试")
		}
		if !slices.Equal(in.Roles, cur.Roles) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM user_roles WHERE user_id = ?`, id); err != nil {
				return err
			}
			for _, r := range in.Roles {
				if _, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role) VALUES (?, ?)`, id, r); err != nil {
					return err
				}
			}
		}
		changes := audit.Diff(userFields, userValues(inputOf(cur)), userValues(in), nil)
		if in.Password != "" {
			hash, err := HashPassword(in.Password)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, must_change_password = ?, password_changed_at = ? WHERE id = ?`,
				hash, true, storage.TimeArg(tx.Now), id); err != nil {
				return err
			}
			changes = append(changes, audit.Change{Field: "password", Old: "***", New: "***"})
			// A reset password is a fresh start: old tokens go too.
			if _, err := tx.ExecContext(ctx, `UPDATE access_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, storage.TimeArg(tx.Now), id); err != nil {
				return err
			}
		}
		scopeChanged := !in.Active || !slices.Equal(in.Roles, cur.Roles) || in.RegionCode != cur.RegionCode ||
			in.SchoolID != cur.SchoolID || in.ClassID != cur.ClassID || in.Password != ""
		if scopeChanged {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionUpdate, RecordType: "user", RecordID: id, Changes: changes})
	})
	if err != nil {
		return User{}, errs.Wrap(err, "update user")
	}
	return s.byID(ctx, s.db.Reader(), id)
}

// Unlock clears a lockout (security or system administrator).
func (s *Store) Unlock(ctx context.Context, v access.Viewer, id string) error {
	if !UnlocksUsers(v) {
		return errs.New(errs.Forbidden, "只有安全管理员或系统管理员可以解锁账号")
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		cur, err := s.byID(ctx, tx, id)
		if err != nil {
			return err
		}
		if !manages(v, cur.RegionCode) {
			return errUserNotFound
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?`, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionUnlock, RecordType: "user", RecordID: id})
	})
}

// Bootstrap creates the first administrator when there are no users, with
// a random one-time password that must be changed at first login. It
// returns the password, or "" when users already exist.
func (s *Store) Bootstrap(ctx context.Context) (username, password string, err error) {
	var n int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return "", "", err
	}
	if n > 0 {
		return "", "", nil
	}
	password = randomPassword()
	in := Input{Username: "admin", Name: "系统管理员", Roles: []string{RoleSysadmin}, Active: true, Password: password}
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		return s.insert(ctx, tx, access.System(), uuid.Must(uuid.NewV7()).String(), in, true)
	})
	if storage.IsUnique(err, "") {
		return "", "", nil
	}
	return in.Username, password, err
}

// CreateWithPassword adds a user without the administrator checks, for
// the command line and the demo. mustChange forces a new password at first
// login.
func (s *Store) CreateWithPassword(ctx context.Context, in Input, mustChange bool) (User, error) {
	id := uuid.Must(uuid.NewV7()).String()
	sys := access.System()
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if err := s.validate(ctx, tx, sys, &in, true); err != nil {
			return err
		}
		return s.insert(ctx, tx, sys, id, in, mustChange)
	})
	if storage.IsUnique(err, "username") {
		return User{}, &errs.Error{Code: errs.Conflict, Message: "用户名已被使用", Fields: map[string]string{"username": "用户名已被使用"}, Err: err}
	}
	if err != nil {
		return User{}, errs.Wrap(err, "create user")
	}
	return s.byID(ctx, s.db.Reader(), id)
}
