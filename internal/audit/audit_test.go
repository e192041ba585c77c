package audit_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/audit"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/errs"
	"guanai/internal/idcard"
	"guanai/internal/schools"
	"guanai/internal/storage"
	"guanai/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

var ctx = context.Background()

const (
	wencang  = "530524107202" // 文沧村民委员会, 大田坝镇, 昌宁县
	datianba = "530524107000" // 大田坝镇
)

// auditor may read the log.
var auditor = access.Viewer{UserID: "u-auditor", Username: "yn.auditor", Roles: []string{"auditor"}, Nobody: true}

// officer is a county officer who may see and write everything in 昌宁县.
var officer = access.Viewer{UserID: "u-officer", Username: "cn.officer", IP: "10.1.2.3", Region: "530524000000",
	May: access.Sensitive{IDNumber: true, Health: true, Difficulty: true}, CanWrite: true}

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// child returns a valid input for a left-behind boy born on birth.
func child(birth string, seq int) children.Input {
	return children.Input{
		IDNumber: idcard.Generate("530524", date(birth), seq, "M"), Name: "李小明", Sex: "M", BirthDate: birth,
		Ethnicity: "彝族", Hukou: "rural", VillageCode: wencang, FatherStatus: "away", MotherStatus: "away",
		GuardianName: "李大爷", GuardianRelation: "祖父",
	}
}

// elder returns a valid input for a woman born on birth.
func elder(birth string, seq int) elders.Input {
	return elders.Input{
		IDNumber: idcard.Generate("530524", date(birth), seq, "F"), Name: "杨秀英", Sex: "F", BirthDate: birth,
		VillageCode: wencang, Living: "alone", ChildrenAway: 2,
	}
}

// rawEntry is a row of audit_log as stored.
type rawEntry struct {
	Seq                                                int64
	UserID, Username, IP, Action, RecordType, RecordID string
	Detail                                             string
}

// rows returns the stored entries after seq, oldest first.
func rows(t *testing.T, a *app.App, after int64) []rawEntry {
	t.Helper()
	rs, err := a.DB.Reader().QueryContext(ctx, `SELECT seq, user_id, username, ip, action, record_type, record_id, detail
		FROM audit_log WHERE seq > ? ORDER BY seq`, after)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []rawEntry
	for rs.Next() {
		var e rawEntry
		if err := rs.Scan(&e.Seq, &e.UserID, &e.Username, &e.IP, &e.Action, &e.RecordType, &e.RecordID, &e.Detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// lastSeq returns the newest entry's seq (0 for an empty log).
func lastSeq(t *testing.T, a *app.App) int64 {
	t.Helper()
	var n sql.NullInt64
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT MAX(seq) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n.Int64
}

// want is an expected entry.
type want struct {
	action, recordType, recordID, userID, note string
}

// N audited actions of every kind give exactly N entries, in order, by the
// right user, on the right records; refused writes and plain reads give
// none; and no entry holds an ID number, a health flag or a difficulty.
func TestCompleteness(t *testing.T) {
	clock := &apptest.Clock{T: time.Date(2026, 6, 13, 10, 0, 0, 0, time.UTC)}
	a := apptest.NewAt(t, clock.Now)
	start := lastSeq(t, a)
	var exp []want
	expect := func(action, recordType, recordID, userID, note string) {
		exp = append(exp, want{action, recordType, recordID, userID, note})
	}
	noEntry := func(what string, err error, code errs.Code) {
		t.Helper()
		if errs.CodeOf(err) != code {
			t.Fatalf("%s: got %v, want %s", what, err, code)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// Schools and classes.
	sc, err := a.Schools.Create(ctx, officer, schools.Input{Name: "文沧完小", Kind: "primary", RegionCode: wencang})
	must(err)
	expect("create", "school", sc.ID, officer.UserID, "")
	cl, err := a.Schools.AddClass(ctx, officer, sc.ID, 3, "三（1）班")
	must(err)
	expect("create", "class", cl.ID, officer.UserID, "")
	_, err = a.Schools.Update(ctx, officer, sc.ID, 2, schools.Input{Name: "文沧小学", Kind: "primary", RegionCode: wencang})
	noEntry("stale school update", err, errs.Conflict)
	_, err = a.Schools.Update(ctx, officer, sc.ID, 1, schools.Input{Name: "文沧小学", Kind: "primary", RegionCode: wencang})
	must(err)
	expect("update", "school", sc.ID, officer.UserID, "")

	// A child with every sensitive field.
	in := child("2015-03-08", 7)
	guardianID := idcard.Generate("530524", date("1960-01-02"), 11, "M")
	in.GuardianIDNumber, in.HealthFlags, in.Disability, in.Difficulty = guardianID, []string{"malnutrition"}, "visual", []string{"poverty"}
	in.SchoolID, in.ClassID, in.Grade = sc.ID, cl.ID, 3
	c, err := a.Children.Create(ctx, officer, in)
	must(err)
	expect("create", "child", c.ID, officer.UserID, "")
	// Refused: bad check digit, duplicate number, stale version.
	bad := child("2015-03-08", 8)
	bad.IDNumber = bad.IDNumber[:17] + map[bool]string{true: "1", false: "2"}[bad.IDNumber[17] != '1']
	_, err = a.Children.Create(ctx, officer, bad)
	noEntry("invalid create", err, errs.Invalid)
	_, err = a.Children.Create(ctx, officer, in)
	noEntry("duplicate create", err, errs.Conflict)
	edit := in
	edit.Name, edit.GuardianIDNumber, edit.HealthFlags = "李晓明", idcard.Generate("530524", date("1961-05-06"), 12, "F"), []string{"chronic_illness"}
	c, err = a.Children.Update(ctx, officer, c.ID, 1, edit)
	must(err)
	expect("update", "child", c.ID, officer.UserID, "")
	_, err = a.Children.Update(ctx, officer, c.ID, 1, in)
	noEntry("stale update", err, errs.Conflict)
	_, err = a.Children.Archive(ctx, officer, c.ID, 1, "迁出")
	noEntry("stale archive", err, errs.Conflict)
	c, err = a.Children.Archive(ctx, officer, c.ID, 2, "迁出")
	must(err)
	expect("archive", "child", c.ID, officer.UserID, "")
	if len(c.HealthFlags) != 0 || !slices.Contains(c.Masked, "health") || !strings.Contains(c.IDNumber, "*") {
		t.Fatalf("archive answered with sensitive fields: %+v", c)
	}
	c, err = a.Children.Restore(ctx, officer, c.ID, 3)
	must(err)
	expect("restore", "child", c.ID, officer.UserID, "")
	// A batch of three: one entry each.
	batch := []children.Input{child("2016-01-01", 21), child("2016-01-01", 22), child("2016-01-01", 23)}
	ids, err := a.Children.CreateMany(ctx, officer, batch)
	must(err)
	for _, id := range ids {
		expect("create", "child", id, officer.UserID, "")
	}
	_, err = a.Children.CreateMany(ctx, officer, []children.Input{child("2016-01-01", 24), bad})
	noEntry("bad batch", err, errs.Invalid)
	// Reads: a revealed get, a get showing health, a list showing health;
	// none for a record without health, a viewer without the right, or one
	// out of scope.
	got, err := a.Children.GetRevealed(ctx, officer, c.ID)
	must(err)
	if got.IDNumber != in.IDNumber || got.Guardian.IDNumber != edit.GuardianIDNumber {
		t.Fatalf("revealed %q %q", got.IDNumber, got.Guardian.IDNumber)
	}
	expect("view_sensitive", "child", c.ID, officer.UserID, "id_number,guardian_id_number,health")
	got, err = a.Children.Get(ctx, officer, c.ID)
	must(err)
	if got.IDNumber == in.IDNumber || len(got.HealthFlags) != 1 {
		t.Fatalf("get %q %v", got.IDNumber, got.HealthFlags)
	}
	expect("view_sensitive", "child", c.ID, officer.UserID, "health")
	_, err = a.Children.Get(ctx, officer, ids[0])
	must(err)
	_, err = a.Children.Get(ctx, access.Viewer{Region: officer.Region}, c.ID)
	must(err)
	_, err = a.Children.Get(ctx, access.Viewer{Region: "530102000000", May: officer.May}, c.ID)
	noEntry("out-of-scope get", err, errs.NotFound)
	p, err := a.Children.List(ctx, officer, children.Filter{})
	must(err)
	if p.Total != 4 {
		t.Fatalf("list total %d", p.Total)
	}
	expect("view_sensitive", "child", "", officer.UserID, "list:health:1")
	_, err = a.Children.List(ctx, officer, children.Filter{Region: wencang, Query: "李小"})
	must(err) // the three batch children: no health shown

	// Elders.
	ein := elder("1950-05-01", 1)
	ein.HealthFlags = []string{"dementia"}
	e, err := a.Elders.Create(ctx, officer, ein)
	must(err)
	expect("create", "elder", e.ID, officer.UserID, "")
	ein.ChildrenAway = 3
	_, err = a.Elders.Update(ctx, officer, e.ID, 2, ein)
	noEntry("stale elder update", err, errs.Conflict)
	e, err = a.Elders.Update(ctx, officer, e.ID, 1, ein)
	must(err)
	expect("update", "elder", e.ID, officer.UserID, "")
	e, err = a.Elders.Archive(ctx, officer, e.ID, 2, "随子女迁居")
	must(err)
	expect("archive", "elder", e.ID, officer.UserID, "")
	e, err = a.Elders.Restore(ctx, officer, e.ID, 3)
	must(err)
	expect("restore", "elder", e.ID, officer.UserID, "")
	eids, err := a.Elders.CreateMany(ctx, officer, []elders.Input{elder("1951-01-09", 2), elder("1952-02-02", 3)})
	must(err)
	for _, id := range eids {
		expect("create", "elder", id, officer.UserID, "")
	}
	ge, err := a.Elders.GetRevealed(ctx, officer, e.ID)
	must(err)
	if ge.IDNumber != ein.IDNumber {
		t.Fatalf("elder revealed %q", ge.IDNumber)
	}
	expect("view_sensitive", "elder", e.ID, officer.UserID, "id_number,health")
	_, err = a.Elders.List(ctx, officer, elders.Filter{})
	must(err)
	expect("view_sensitive", "elder", "", officer.UserID, "list:health:1")
	if n, err := a.Elders.Count(ctx, officer, elders.Filter{}); err != nil || n != 3 {
		t.Fatalf("count %d %v", n, err)
	}

	// The daily job: one entry per child changed, by the system.
	teen, err := a.Children.Create(ctx, officer, child("2010-06-15", 31))
	must(err)
	expect("create", "child", teen.ID, officer.UserID, "")
	n, err := a.Children.Reclassify(ctx, date("2026-06-15"))
	if err != nil || n != 1 {
		t.Fatalf("reclassify: %d %v", n, err)
	}
	expect("update", "child", teen.ID, "", "每日类别认定（2026-06-15）")

	got2 := rows(t, a, start)
	if len(got2) != len(exp) {
		for _, r := range got2 {
			t.Logf("%d %s %s %s %s", r.Seq, r.Action, r.RecordType, r.RecordID, r.Detail)
		}
		t.Fatalf("%d audit entries for %d audited actions", len(got2), len(exp))
	}
	for i, r := range got2 {
		w := exp[i]
		if r.Action != w.action || r.RecordType != w.recordType || r.RecordID != w.recordID || r.UserID != w.userID {
			t.Errorf("entry %d = %s %s %s by %q, want %s %s %s by %q", i, r.Action, r.RecordType, r.RecordID, r.UserID,
				w.action, w.recordType, w.recordID, w.userID)
		}
		if w.userID == officer.UserID && (r.Username != officer.Username || r.IP != officer.IP) {
			t.Errorf("entry %d: user %q from %q", i, r.Username, r.IP)
		}
		if w.note != "" && !strings.Contains(r.Detail, fmt.Sprintf("%q", w.note)) {
			t.Errorf("entry %d (%s): detail %s lacks note %q", i, r.Action, r.Detail, w.note)
		}
	}
	// Nothing sensitive in the stored log: no ID number (whole or without
	// its check digit), no health flag, disability or difficulty value.
	needles := []string{in.IDNumber, guardianID, edit.GuardianIDNumber, ein.IDNumber, "malnutrition", "chronic_illness", "visual",
		"poverty", "dementia"}
	for _, b := range batch {
		needles = append(needles, b.IDNumber)
	}
	for _, n := range slices.Clone(needles) {
		if len(n) == 18 {
			needles = append(needles, n[:17], n[6:17])
		}
	}
	for _, r := range rows(t, a, 0) {
		all := strings.Join([]string{r.UserID, r.Username, r.IP, r.Action, r.RecordType, r.RecordID, r.Detail}, "|")
		for _, n := range needles {
			if strings.Contains(all, n) {
				t.Errorf("entry %d holds %q: %s", r.Seq, n, r.Detail)
			}
		}
	}
	// The child's update lists only what changed, sensitive values masked.
	pg, err := audit.Search(ctx, a.DB, auditor, audit.Filter{RecordType: "child", RecordID: c.ID, Action: "update"})
	if err != nil || len(pg.Entries) != 1 {
		t.Fatalf("search: %v %+v", err, pg)
	}
	wantChanges := []audit.Change{{Field: "name", Old: "李小明", New: "李晓明"}, {Field: "guardian_id_number", Old: "***", New: "***"},
		{Field: "health_flags", Old: "***", New: "***"}}
	if !slices.Equal(pg.Entries[0].Changes, wantChanges) {
		t.Errorf("update changes = %+v, want %+v", pg.Entries[0].Changes, wantChanges)
	}
	checked, problems, err := audit.Verify(ctx, a.DB)
	if err != nil || len(problems) != 0 || int64(checked) != lastSeq(t, a) {
		t.Fatalf("verify: %d checked, %v, %v", checked, problems, err)
	}
}

// bypass runs a statement on the audit log past its guard triggers, as an
// attacker with database access could: on SQLite by dropping the triggers,
// on PostgreSQL on one connection with triggers switched off.
func bypass(t *testing.T, a *app.App, query string, args ...any) {
	t.Helper()
	conn, err := a.DB.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if a.DB.Dialect() == storage.Postgres {
		if _, err := conn.ExecContext(ctx, `SET session_replication_role = replica`); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(ctx, `SET session_replication_role = DEFAULT`)
	} else {
		for _, tr := range []string{"audit_log_no_update", "audit_log_no_early_delete"} {
			if _, err := conn.ExecContext(ctx, `DROP TRIGGER IF EXISTS `+tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	res, err := conn.ExecContext(ctx, a.DB.Dialect().Rebind(query), args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s: %d rows", query, n)
	}
}

// logN appends n entries for distinct records.
func logN(t *testing.T, a *app.App, n int) {
	t.Helper()
	for i := range n {
		if err := audit.Log(ctx, a.DB, officer, audit.Entry{Action: audit.ActionExport, RecordType: "child", RecordID: fmt.Sprint(i),
			Note: fmt.Sprintf("export %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, a *app.App) (int, []audit.Problem) {
	t.Helper()
	n, problems, err := audit.Verify(ctx, a.DB)
	if err != nil {
		t.Fatal(err)
	}
	return n, problems
}

func TestVerifyDetectsChangedRow(t *testing.T) {
	a := apptest.New(t)
	logN(t, a, 5)
	if n, problems := verify(t, a); n != 5 || len(problems) != 0 {
		t.Fatalf("clean log: %d checked, %v", n, problems)
	}
	bypass(t, a, `UPDATE audit_log SET detail = ? WHERE seq = 2`, `{"n":"export 99"}`)
	n, problems := verify(t, a)
	if n != 5 || len(problems) != 1 || problems[0].Seq != 2 || !strings.Contains(problems[0].Reason, "被修改") {
		t.Fatalf("changed detail: %d checked, %+v", n, problems)
	}
	// Changing a row's stored hash as well breaks the next row's link.
	bypass(t, a, `UPDATE audit_log SET user_id = ?, hash = ? WHERE seq = 4`, "someone", strings.Repeat("f", 64))
	_, problems = verify(t, a)
	seqs := map[int64]string{}
	for _, p := range problems {
		seqs[p.Seq] += p.Reason
	}
	if len(problems) != 3 || !strings.Contains(seqs[4], "被修改") || !strings.Contains(seqs[5], "链接不符") {
		t.Fatalf("changed hash: %+v", problems)
	}
}

func TestVerifyDetectsDeletedRow(t *testing.T) {
	a := apptest.New(t)
	logN(t, a, 5)
	bypass(t, a, `DELETE FROM audit_log WHERE seq = 3`)
	n, problems := verify(t, a)
	if n != 4 || len(problems) == 0 {
		t.Fatalf("deleted row not found: %d checked, %+v", n, problems)
	}
	for _, p := range problems {
		if p.Seq != 4 {
			t.Errorf("problem at %d: %s", p.Seq, p.Reason)
		}
	}
	if !strings.Contains(problems[0].Reason, "缺少1条") {
		t.Errorf("reason %q does not name the gap", problems[0].Reason)
	}
	// Deleting the oldest entries is found too: no purge recorded it.
	a = apptest.New(t)
	logN(t, a, 3)
	bypass(t, a, `DELETE FROM audit_log WHERE seq = 1`)
	bypass(t, a, `DELETE FROM audit_log WHERE seq = 2`)
	if _, problems := verify(t, a); len(problems) != 1 || problems[0].Seq != 3 || !strings.Contains(problems[0].Reason, "缺少2条") {
		t.Fatalf("deleted first rows: %+v", problems)
	}
}

func TestTriggersRefuseUpdateAndEarlyDelete(t *testing.T) {
	a := apptest.New(t)
	logN(t, a, 3)
	w := a.DB.SQL()
	if _, err := w.ExecContext(ctx, a.DB.Dialect().Rebind(`UPDATE audit_log SET detail = ? WHERE seq = 2`), "x"); err == nil ||
		!strings.Contains(err.Error(), "append-only") {
		t.Fatalf("update: %v", err)
	}
	if _, err := w.ExecContext(ctx, `DELETE FROM audit_log WHERE seq = 2`); err == nil || !strings.Contains(err.Error(), "184 days") {
		t.Fatalf("delete: %v", err)
	}
	if err := a.DB.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM audit_log`)
		return err
	}); err == nil {
		t.Fatal("delete in a transaction succeeded")
	}
	if n, err := audit.Purge(ctx, a.DB); err != nil || n != 0 {
		t.Fatalf("purge of a young log: %d %v", n, err)
	}
	if n, problems := verify(t, a); n != 3 || len(problems) != 0 {
		t.Fatalf("after refused changes: %d %v", n, problems)
	}
}

func TestPurgeKeeps184Days(t *testing.T) {
	now := time.Now().UTC()
	clock := &apptest.Clock{T: now.AddDate(0, 0, -200)}
	a := apptest.NewAt(t, clock.Now)
	// Entries through the stores and directly, at 200, 190, 183 and 0 days.
	if _, err := a.Schools.Create(ctx, officer, schools.Input{Name: "旧校", Kind: "primary", RegionCode: datianba}); err != nil {
		t.Fatal(err)
	}
	logN(t, a, 2)
	clock.T = now.AddDate(0, 0, -190)
	logN(t, a, 1)
	clock.T = now.AddDate(0, 0, -183)
	logN(t, a, 2)
	clock.T = now
	logN(t, a, 1)
	if n, problems := verify(t, a); n != 7 || len(problems) != 0 {
		t.Fatalf("before purge: %d %v", n, problems)
	}
	n, err := audit.Purge(ctx, a.DB)
	if err != nil || n != 4 {
		t.Fatalf("purged %d, want 4 (%v)", n, err)
	}
	// Left: the three younger entries and the purge's own record.
	left := rows(t, a, 0)
	if len(left) != 4 || left[0].Seq != 5 || left[3].Seq != 8 || left[3].Action != audit.ActionPurge ||
		left[3].UserID != "" || !strings.Contains(left[3].Detail, "purged:1-4") {
		t.Fatalf("left %+v", left)
	}
	if n, problems := verify(t, a); n != 4 || len(problems) != 0 {
		t.Fatalf("after purge: %d %v", n, problems)
	}
	if n, err := audit.Purge(ctx, a.DB); err != nil || n != 0 || lastSeq(t, a) != 8 {
		t.Fatalf("second purge: %d %v", n, err)
	}
	// The log goes on from where it was.
	logN(t, a, 1)
	if s := lastSeq(t, a); s != 9 {
		t.Fatalf("next seq %d", s)
	}
	if _, problems := verify(t, a); len(problems) != 0 {
		t.Fatalf("after purge and append: %v", problems)
	}
	// Deleting the oldest entry left after a purge is still found.
	bypass(t, a, `DELETE FROM audit_log WHERE seq = 5`)
	if _, problems := verify(t, a); len(problems) != 1 || problems[0].Seq != 6 {
		t.Fatalf("deleted after purge: %+v", problems)
	}
}

// A failed login for an unknown name records the name tried.
func TestEntryUsernameWithoutUser(t *testing.T) {
	a := apptest.New(t)
	if err := audit.Log(ctx, a.DB, access.Viewer{IP: "192.0.2.1"}, audit.Entry{Action: audit.ActionLoginFailed, Username: "nobody", Note: "用户不存在"}); err != nil {
		t.Fatal(err)
	}
	if err := audit.Log(ctx, a.DB, officer, audit.Entry{Action: audit.ActionExport}); err != nil {
		t.Fatal(err)
	}
	r := rows(t, a, 0)
	if len(r) != 2 || r[0].Username != "nobody" || r[0].UserID != "" || r[0].IP != "192.0.2.1" ||
		r[1].UserID != officer.UserID || r[1].Username != officer.Username {
		t.Fatalf("entries %+v", r)
	}
	if p, err := audit.Search(ctx, a.DB, officer, audit.Filter{}); errs.CodeOf(err) != errs.Forbidden {
		t.Fatalf("officer searched the log: %v %+v", err, p)
	}
}

func TestDiff(t *testing.T) {
	got := audit.Diff([]string{"a", "b", "c", "d"}, map[string]string{"a": "1", "b": "x", "c": ""},
		map[string]string{"a": "2", "b": "x", "c": "secret", "d": ""}, map[string]bool{"c": true})
	want := []audit.Change{{Field: "a", Old: "1", New: "2"}, {Field: "c", Old: "", New: "***"}}
	if !slices.Equal(got, want) {
		t.Fatalf("diff = %+v", got)
	}
}

func TestSearchRefusesUnknownAction(t *testing.T) {
	a := apptest.New(t)
	auditor := access.Viewer{Roles: []string{"auditor"}}
	_, err := audit.Search(context.Background(), a.DB, auditor, audit.Filter{Action: "bogus"})
	if e := errs.As(err); e.Code != errs.Invalid || e.Fields["action"] == "" {
		t.Fatalf("unknown action: %v", err)
	}
	if _, err := audit.Search(context.Background(), a.DB, access.Viewer{Roles: []string{"officer"}}, audit.Filter{}); errs.CodeOf(err) != errs.Forbidden {
		t.Fatalf("non-auditor: %v", err)
	}
}
