package children_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/idcard"
	"guanai/internal/storage"
	"guanai/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

const wencang = "530524107202" // 文沧村民委员会, 大田坝镇, 昌宁县

var ctx = context.Background()

// input returns a valid input for a left-behind boy born on birth.
func input(birth string, seq int) children.Input {
	b, _ := time.Parse("2006-01-02", birth)
	return children.Input{
		IDNumber: idcard.Generate("530524", b, seq, "M"), Name: "李小明", Sex: "M", BirthDate: birth,
		Ethnicity: "彝族", Hukou: "rural", VillageCode: wencang,
		FatherStatus: "away", FatherAwayPlace: "广东东莞", MotherStatus: "away",
		GuardianName: "李大爷", GuardianRelation: "祖父", GuardianPhone: "13812345678", GuardianEntrusted: true, GuardianEntrustedOn: "2024-03-01",
	}
}

func mustCreate(t *testing.T, a *app.App, in children.Input) children.Child {
	t.Helper()
	c, err := a.Children.Create(ctx, access.System(), in)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return c
}

func TestCreateGetAndMasking(t *testing.T) {
	a := apptest.New(t)
	in := input("2015-03-08", 7)
	c := mustCreate(t, a, in)
	want := in.IDNumber[:4] + "**********" + in.IDNumber[14:]
	// What a write returns shows the number masked, even to the system.
	if c.IDNumber != want || c.Version != 1 || !c.LeftBehind || c.LeftBehindReason != children.ReasonBothAway {
		t.Fatalf("created %+v", c)
	}
	if len(c.Categories) != 1 || c.Categories[0] != children.CategoryLeftBehind {
		t.Fatalf("categories %v", c.Categories)
	}
	// Get masks it for everyone; GetRevealed shows it to those who may see it.
	masked := access.Viewer{Region: "530524000000"}
	for _, v := range []access.Viewer{masked, access.System()} {
		got, err := a.Children.Get(ctx, v, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.IDNumber != want {
			t.Fatalf("masked id = %q, want %q", got.IDNumber, want)
		}
		if !strings.Contains(strings.Join(got.Masked, ","), "id_number") {
			t.Fatalf("masked list %v", got.Masked)
		}
	}
	if got, err := a.Children.GetRevealed(ctx, masked, c.ID); err != nil || got.IDNumber != want {
		t.Fatalf("revealed to a viewer who may not see it: %q %v", got.IDNumber, err)
	}
	if got, err := a.Children.GetRevealed(ctx, access.System(), c.ID); err != nil || got.IDNumber != in.IDNumber || len(got.Masked) != 0 {
		t.Fatalf("revealed: %q %v %v", got.IDNumber, got.Masked, err)
	}
	// Lists never show full numbers, even to those who may see them.
	p, err := a.Children.List(ctx, access.System(), children.Filter{Region: wencang})
	if err != nil || p.Total != 1 || p.Children[0].IDNumber != want {
		t.Fatalf("list: %v %+v", err, p)
	}
}

// The ID number is encrypted at rest: it appears nowhere in the stored
// data, yet reads back whole for those who may see it.
func TestIDNumberNotStoredInPlaintext(t *testing.T) {
	a := apptest.New(t)
	in := input("2014-11-30", 3)
	in.GuardianIDNumber = idcard.Generate("530524", time.Date(1960, 1, 2, 0, 0, 0, 0, time.UTC), 11, "M")
	c, err := a.Children.GetRevealed(ctx, access.System(), mustCreate(t, a, in).ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.IDNumber != in.IDNumber || c.Guardian.IDNumber != in.GuardianIDNumber {
		t.Fatalf("guardian id round trip: %q", c.Guardian.IDNumber)
	}
	needles := [][]byte{[]byte(in.IDNumber), []byte(in.GuardianIDNumber), []byte(in.IDNumber[6:14] + in.IDNumber[14:17])}
	if a.DB.Dialect() == storage.SQLite {
		if _, err := a.DB.SQL().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			t.Fatal(err)
		}
		path := strings.TrimPrefix(a.DB.URL(), "file:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		files, _ := filepath.Glob(path + "*")
		if len(files) == 0 {
			t.Fatalf("no database file at %s", path)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range needles {
				if bytes.Contains(b, n) {
					t.Fatalf("plaintext %s found in %s", n, f)
				}
			}
		}
	} else {
		for _, table := range []string{"children", "child_category_history", "audit_log"} {
			rows, err := a.DB.SQL().QueryContext(ctx, "SELECT t::text FROM "+table+" t")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				rows.Scan(&s)
				for _, n := range needles {
					if strings.Contains(s, string(n)) {
						t.Fatalf("plaintext %s found in %s", n, table)
					}
				}
			}
			rows.Close()
		}
	}
}

func TestDuplicateRefusedNamingRegion(t *testing.T) {
	a := apptest.New(t)
	in := input("2013-05-01", 1)
	mustCreate(t, a, in)
	again := in
	again.Name = "李晓明"
	_, err := a.Children.Create(ctx, access.System(), again)
	if errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("want conflict, got %v", err)
	}
	msg := errs.As(err).Fields["id_number"]
	if !strings.Contains(msg, "云南省 › 保山市 › 昌宁县 › 大田坝镇 › 文沧村") {
		t.Fatalf("message does not name the region: %q", msg)
	}
	n, _ := a.Children.Count(ctx, access.System(), children.Filter{Status: "all"})
	if n != 1 {
		t.Fatalf("%d children after refused duplicate", n)
	}
}

func TestStaleVersionConflict(t *testing.T) {
	a := apptest.New(t)
	c := mustCreate(t, a, input("2012-01-20", 2))
	edit := input("2012-01-20", 2)
	edit.MotherStatus = "home"
	c2, err := a.Children.Update(ctx, access.System(), c.ID, c.Version, edit)
	if err != nil {
		t.Fatal(err)
	}
	if c2.Version != 2 || c2.LeftBehind {
		t.Fatalf("after update: v%d left-behind=%v", c2.Version, c2.LeftBehind)
	}
	stale := input("2012-01-20", 2)
	stale.Name = "王小红"
	_, err = a.Children.Update(ctx, access.System(), c.ID, c.Version, stale)
	if errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("stale update: %v", err)
	}
	cur, _ := a.Children.Get(ctx, access.System(), c.ID)
	if cur.Name != "李小明" || cur.Version != 2 {
		t.Fatalf("stale update applied: %+v", cur)
	}
	_, err = a.Children.Archive(ctx, access.System(), c.ID, 1, "迁出")
	if errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("stale archive: %v", err)
	}
	h, err := a.Children.History(ctx, access.System(), c.ID)
	if err != nil || len(h) != 2 || h[1].Source != "edit" || !strings.Contains(h[1].Reason, "不再属于") {
		t.Fatalf("history %v %+v", err, h)
	}
}

func TestValidationWritesNothing(t *testing.T) {
	a := apptest.New(t)
	cases := []struct {
		name  string
		edit  func(*children.Input)
		field string
		want  string
	}{
		{"check digit", func(in *children.Input) {
			b := []byte(in.IDNumber)
			b[17] = map[bool]byte{true: '1', false: '2'}[b[17] != '1']
			in.IDNumber = string(b)
		}, "id_number", "校验位"},
		{"short id", func(in *children.Input) { in.IDNumber = in.IDNumber[:17] }, "id_number", "18位"},
		{"birth mismatch", func(in *children.Input) { in.BirthDate = "2015-03-09" }, "id_number", "出生日期"},
		{"sex mismatch", func(in *children.Input) { in.Sex = "F" }, "id_number", "性别"},
		{"not a village", func(in *children.Input) { in.VillageCode = "530524107000" }, "village_code", "不是村级"},
		{"unknown region", func(in *children.Input) { in.VillageCode = "530524107999" }, "village_code", "不存在"},
		{"bad code", func(in *children.Input) { in.VillageCode = "53x" }, "village_code", ""},
		{"ethnicity", func(in *children.Input) { in.Ethnicity = "火星族" }, "ethnicity", "56个民族"},
		{"parent status", func(in *children.Input) { in.FatherStatus = "gone" }, "father_status", ""},
		{"phone", func(in *children.Input) { in.GuardianPhone = "12345" }, "guardian_phone", "格式"},
		{"future birth", func(in *children.Input) { in.BirthDate = "2999-01-01" }, "birth_date", ""},
		{"name", func(in *children.Input) { in.Name = " " }, "name", "不能为空"},
		{"school", func(in *children.Input) { in.SchoolID = "0190c1a0-0000-7000-8000-000000000000" }, "school_id", "学校"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := input("2015-03-08", 9)
			c.edit(&in)
			_, err := a.Children.Create(ctx, access.System(), in)
			e := errs.As(err)
			if e.Code != errs.Invalid || !strings.Contains(e.Fields[c.field], c.want) || e.Fields[c.field] == "" {
				t.Fatalf("got %v fields %v", err, e.Fields)
			}
		})
	}
	n, _ := a.Children.Count(ctx, access.System(), children.Filter{Status: "all"})
	if n != 0 {
		t.Fatalf("%d children written by invalid requests", n)
	}
}

func TestScope(t *testing.T) {
	a := apptest.New(t)
	in := input("2015-03-08", 1)
	mine := mustCreate(t, a, in)
	kids, err := a.Regions.Children(ctx, "530102001000") // a township in 昆明 五华区
	if err != nil || len(kids) == 0 {
		t.Fatalf("kunming villages: %v", err)
	}
	other := input("2015-03-08", 2)
	other.VillageCode = kids[0].Code
	other.IDNumber = idcard.Generate("530102", time.Date(2015, 3, 8, 0, 0, 0, 0, time.UTC), 2, "M")
	theirs := mustCreate(t, a, other)

	county := access.Viewer{Region: "530524000000", CanWrite: true}
	if _, err := a.Children.Get(ctx, county, theirs.ID); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("out-of-scope get: %v", err)
	}
	if _, err := a.Children.Update(ctx, county, theirs.ID, 1, other); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("out-of-scope update: %v", err)
	}
	if _, err := a.Children.Archive(ctx, county, theirs.ID, 1, "x"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("out-of-scope archive: %v", err)
	}
	if _, err := a.Children.History(ctx, county, theirs.ID); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("out-of-scope history: %v", err)
	}
	p, err := a.Children.List(ctx, county, children.Filter{})
	if err != nil || p.Total != 1 || p.Children[0].ID != mine.ID {
		t.Fatalf("scoped list: %v %+v", err, p)
	}
	// Asking for another region's subtree inside a scope still yields nothing.
	p, _ = a.Children.List(ctx, county, children.Filter{Region: "530100000000"})
	if p.Total != 0 || len(p.Children) != 0 {
		t.Fatalf("cross-scope filter leaked %d", p.Total)
	}
	// Creating into another county is refused on the field.
	other.IDNumber = idcard.Generate("530102", time.Date(2015, 3, 8, 0, 0, 0, 0, time.UTC), 3, "M")
	_, err = a.Children.Create(ctx, county, other)
	if !strings.Contains(errs.As(err).Fields["village_code"], "管辖范围") {
		t.Fatalf("create out of scope: %v", err)
	}
	// A viewer who may see nothing sees nothing.
	if n, _ := a.Children.Count(ctx, access.Viewer{Nobody: true}, children.Filter{}); n != 0 {
		t.Fatalf("nobody sees %d", n)
	}
}

func TestReclassifyOnSixteenthBirthday(t *testing.T) {
	clock := &apptest.Clock{T: time.Date(2026, 6, 13, 10, 0, 0, 0, time.UTC)}
	a := apptest.NewAt(t, clock.Now)
	c := mustCreate(t, a, input("2010-06-15", 4))
	if !c.LeftBehind {
		t.Fatal("not left-behind at creation")
	}
	n, err := a.Children.Reclassify(ctx, time.Date(2026, 6, 14, 0, 0, 0, 0, time.UTC))
	if err != nil || n != 0 {
		t.Fatalf("day before: %d %v", n, err)
	}
	n, err = a.Children.Reclassify(ctx, time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC))
	if err != nil || n != 1 {
		t.Fatalf("birthday: %d %v", n, err)
	}
	n, _ = a.Children.Reclassify(ctx, time.Date(2026, 6, 16, 0, 0, 0, 0, time.UTC))
	if n != 0 {
		t.Fatalf("not idempotent: %d", n)
	}
	got, _ := a.Children.Get(ctx, access.System(), c.ID)
	if got.LeftBehind || got.LeftBehindReason != children.ReasonAge16 {
		t.Fatalf("after birthday: %+v", got)
	}
	h, _ := a.Children.History(ctx, access.System(), c.ID)
	last := h[len(h)-1]
	if len(h) != 2 || last.Source != "daily" || last.EffectiveOn.Format("2006-01-02") != "2026-06-15" || !strings.Contains(last.Reason, "已满16周岁") {
		t.Fatalf("history %+v", h)
	}
}

func TestListFilters(t *testing.T) {
	clock := &apptest.Clock{T: time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)}
	a := apptest.NewAt(t, clock.Now)
	births := []string{"2010-11-30", "2012-01-01", "2016-05-05", "2020-02-02", "2024-12-12"}
	var ids []string
	for i, b := range births {
		in := input(b, 20+i)
		if i%2 == 1 {
			in.MotherStatus = "home"
			in.Name = "王芳"
			in.Sex = "F"
			bd, _ := time.Parse("2006-01-02", b)
			in.IDNumber = idcard.Generate("530524", bd, 20+i, "F")
		}
		ids = append(ids, mustCreate(t, a, in).ID)
	}
	sys := access.System()
	asOf := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	ip := func(n int) *int { return &n }
	cases := []struct {
		name string
		f    children.Filter
		want int
	}{
		{"all", children.Filter{}, 5},
		{"left-behind", children.Filter{Category: "left_behind"}, 3},
		{"not left-behind", children.Filter{Category: "not_left_behind"}, 2},
		{"girls", children.Filter{Sex: "女"}, 2},
		{"age 6-14", children.Filter{AgeMin: ip(6), AgeMax: ip(14), AsOf: asOf}, 3},
		{"age 7-14", children.Filter{AgeMin: ip(7), AgeMax: ip(14), AsOf: asOf}, 2},
		{"age 15 exactly (turns 16 tomorrow)", children.Filter{AgeMin: ip(15), AgeMax: ip(15), AsOf: asOf}, 1},
		{"name", children.Filter{Query: "王"}, 2},
		{"id tail", children.Filter{Query: ids2tail(t, a, ids[0])}, 1},
		{"township", children.Filter{Region: "530524107"}, 5},
		{"other county", children.Filter{Region: "530102"}, 0},
		{"page 2", children.Filter{Limit: 2, Offset: 4}, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := a.Children.List(ctx, sys, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != c.want {
				t.Fatalf("total %d, want %d", p.Total, c.want)
			}
		})
	}
	p, _ := a.Children.List(ctx, sys, children.Filter{Sort: "birth_date", Limit: 2})
	if len(p.Children) != 2 || p.Children[0].BirthDate.Format("2006-01-02") != births[0] {
		t.Fatalf("sort by birth date: %+v", p.Children)
	}
	if _, err := a.Children.List(ctx, sys, children.Filter{Sort: "id_number"}); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("bad sort accepted: %v", err)
	}
	// Archive takes a child out of the default list.
	c, _ := a.Children.Get(ctx, sys, ids[0])
	if _, err := a.Children.Archive(ctx, sys, c.ID, c.Version, "迁往外省"); err != nil {
		t.Fatal(err)
	}
	if n, _ := a.Children.Count(ctx, sys, children.Filter{}); n != 4 {
		t.Fatalf("after archive %d", n)
	}
	if n, _ := a.Children.Count(ctx, sys, children.Filter{Status: "archived"}); n != 1 {
		t.Fatalf("archived %d", n)
	}
}

func ids2tail(t *testing.T, a *app.App, id string) string {
	c, err := a.Children.GetRevealed(ctx, access.System(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.IDNumber[14:]
}

func TestCreateManyAllOrNothing(t *testing.T) {
	a := apptest.New(t)
	good := input("2015-03-08", 30)
	bad := input("2015-03-08", 31)
	bad.VillageCode = "530524107000"
	dup := good
	_, err := a.Children.CreateMany(ctx, access.System(), []children.Input{good, bad, dup})
	var re children.RowErrors
	if !errors.As(err, &re) || len(re) != 2 || re[0].Index != 1 || re[1].Index != 2 {
		t.Fatalf("row errors: %v", err)
	}
	if n, _ := a.Children.Count(ctx, access.System(), children.Filter{Status: "all"}); n != 0 {
		t.Fatalf("%d written", n)
	}
	ids, err := a.Children.CreateMany(ctx, access.System(), []children.Input{good, input("2015-03-08", 32)})
	if err != nil || len(ids) != 2 {
		t.Fatalf("good batch: %v", err)
	}
}

// Dates are China's calendar dates: at 04:00 in Beijing (20:00 UTC the day
// before) a baby born today can be registered.
func TestTodayIsChinaDate(t *testing.T) {
	clock := &apptest.Clock{T: time.Date(2026, 6, 14, 20, 0, 0, 0, time.UTC)}
	a := apptest.NewAt(t, clock.Now)
	in := input("2026-06-15", 5)
	in.GuardianEntrustedOn = "2026-06-15"
	if _, err := a.Children.Create(ctx, access.System(), in); err != nil {
		t.Fatalf("born today in China: %v", err)
	}
	in = input("2026-06-16", 6)
	_, err := a.Children.Create(ctx, access.System(), in)
	if !strings.Contains(errs.As(err).Fields["birth_date"], "晚于今天") {
		t.Fatalf("tomorrow accepted: %v", err)
	}
}

// An editor who may not see ID numbers (a teacher) edits the other facts:
// a blank or masked ID number keeps the stored one.
func TestUpdateKeepsHiddenIDNumbers(t *testing.T) {
	a := apptest.New(t)
	in := input("2015-03-08", 40)
	in.GuardianIDNumber = idcard.Generate("530524", time.Date(1960, 1, 2, 0, 0, 0, 0, time.UTC), 12, "M")
	c := mustCreate(t, a, in)
	editor := access.Viewer{Region: "530524000000", CanWrite: true, May: access.Sensitive{Health: true, Difficulty: true}}
	shown, err := a.Children.Get(ctx, editor, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	edit := in
	edit.IDNumber, edit.GuardianIDNumber, edit.Notes = "", shown.Guardian.IDNumber, "换了班主任"
	if !strings.Contains(edit.GuardianIDNumber, "*") {
		t.Fatalf("guardian id not masked for the editor: %q", edit.GuardianIDNumber)
	}
	if _, err := a.Children.Update(ctx, editor, c.ID, c.Version, edit); err != nil {
		t.Fatalf("update with hidden ID numbers: %v", err)
	}
	got, _ := a.Children.GetRevealed(ctx, access.System(), c.ID)
	if got.IDNumber != in.IDNumber || got.Guardian.IDNumber != in.GuardianIDNumber || got.Notes != "换了班主任" {
		t.Fatalf("after update: id %q guardian %q notes %q", got.IDNumber, got.Guardian.IDNumber, got.Notes)
	}
}
