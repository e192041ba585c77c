package regions_test

import (
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"guanai/internal/errs"
	"guanai/internal/regions"
	"guanai/internal/storage"
	"guanai/internal/testdb"
)

var ctx = context.Background()

const wencang = "530524107202" // 文沧村民委员会, the pilot village

func TestYunnanCounts(t *testing.T) {
	t.Parallel()
	s := regions.NewStore(testdb.Open(t))
	want := map[regions.Level]int{regions.Prefecture: 16, regions.County: 129, regions.Township: 1461, regions.Village: 14888}
	for _, code := range []string{"530000000000", "53"} {
		got, err := s.CountsByLevel(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("CountsByLevel(%s) = %v, want %v", code, got, want)
		}
	}
	got, err := s.CountsByLevel(ctx, wencang)
	if err != nil || len(got) != 0 {
		t.Errorf("CountsByLevel(village) = %v, %v; want nothing", got, err)
	}
	if _, err := s.CountsByLevel(ctx, "530524107999"); !errs.Is(err, errs.NotFound) {
		t.Errorf("CountsByLevel(unknown) error = %v, want not found", err)
	}
	all, err := s.CountsByLevel(ctx, regions.Root)
	if err != nil {
		t.Fatal(err)
	}
	wantAll := map[regions.Level]int{1: 31, 2: 342, 3: 2975, 4: 41351, 5: 14888}
	if !reflect.DeepEqual(all, wantAll) {
		t.Errorf("CountsByLevel(Root) = %v, want %v", all, wantAll)
	}
}

func TestPath(t *testing.T) {
	t.Parallel()
	s := regions.NewStore(testdb.Open(t))
	wantCodes := []string{"530000000000", "530500000000", "530524000000", "530524107000", "530524107202"}
	wantNames := []string{"云南省", "保山市", "昌宁县", "大田坝镇", "文沧村民委员会"}
	for range 2 { // the second time from the cache
		path, err := s.Path(ctx, wencang)
		if err != nil {
			t.Fatal(err)
		}
		var codes, names []string
		for i, r := range path {
			codes = append(codes, r.Code)
			names = append(names, r.Name)
			if r.Level != regions.Level(i+1) {
				t.Errorf("path[%d] level %d", i, r.Level)
			}
		}
		if !reflect.DeepEqual(codes, wantCodes) || !reflect.DeepEqual(names, wantNames) {
			t.Errorf("Path(%s) = %v %v, want %v %v", wencang, codes, names, wantCodes, wantNames)
		}
		str, err := s.PathString(ctx, wencang)
		if want := "云南省 › 保山市 › 昌宁县 › 大田坝镇 › 文沧村民委员会"; err != nil || str != want {
			t.Errorf("PathString = %q, %v; want %q", str, err, want)
		}
	}
	r, err := s.Get(ctx, wencang)
	want := regions.Region{Code: wencang, Name: "文沧村民委员会", Level: regions.Village, ParentCode: "530524107000"}
	if err != nil || r != want {
		t.Errorf("Get(%s) = %+v, %v; want %+v", wencang, r, err, want)
	}
	r, err = s.Get(ctx, "53")
	if err != nil || r.Name != "云南省" || r.ParentCode != "" || r.Level != regions.Province {
		t.Errorf("Get(53) = %+v, %v", r, err)
	}
	// A township of 东莞市, which has no county level.
	path, err := s.Path(ctx, "441900003")
	if err != nil || len(path) != 3 || path[1].Name != "东莞市" || path[2].Level != regions.Township {
		t.Errorf("Path(441900003) = %+v, %v", path, err)
	}
	if str, err := s.PathString(ctx, regions.Root); err != nil || str != "全国" {
		t.Errorf("PathString(Root) = %q, %v", str, err)
	}
	if _, err := s.Path(ctx, "530524107999"); !errs.Is(err, errs.NotFound) {
		t.Errorf("Path(unknown) error = %v, want not found", err)
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	s := regions.NewStore(testdb.Open(t))
	_, err := s.Get(ctx, "530524107999")
	if !errs.Is(err, errs.NotFound) || errs.As(err).Message != "行政区划代码530524107999不存在" {
		t.Errorf("Get(unknown) error = %v", err)
	}
	if _, err := s.Get(ctx, "53052410799"); !errs.Is(err, errs.Invalid) {
		t.Errorf("Get(malformed) error = %v, want invalid", err)
	}
	r, err := s.Get(ctx, regions.Root)
	if err != nil || r != (regions.Region{Code: "", Name: "全国", Level: 0}) {
		t.Errorf("Get(Root) = %+v, %v", r, err)
	}
}

func TestChildren(t *testing.T) {
	t.Parallel()
	s := regions.NewStore(testdb.Open(t))
	provs, err := s.Children(ctx, regions.Root)
	if err != nil {
		t.Fatal(err)
	}
	if len(provs) != 31 || provs[0].Name != "北京市" || provs[0].Code != "110000000000" {
		t.Fatalf("Children(Root) = %d nodes, first %+v", len(provs), provs[0])
	}
	for i, p := range provs {
		if p.Level != regions.Province || p.ParentCode != "" || (i > 0 && p.Code <= provs[i-1].Code) {
			t.Errorf("Children(Root)[%d] = %+v", i, p)
		}
	}
	towns, err := s.Children(ctx, "530524")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for i, r := range towns {
		if r.Level != regions.Township || r.ParentCode != "530524000000" || (i > 0 && r.Code <= towns[i-1].Code) {
			t.Errorf("Children(530524)[%d] = %+v", i, r)
		}
		found = found || r.Name == "大田坝镇"
	}
	if !found {
		t.Errorf("Children(530524) = %v, want 大田坝镇 among them", towns)
	}
	kids, err := s.Children(ctx, wencang)
	if err != nil || kids == nil || len(kids) != 0 {
		t.Errorf("Children(village) = %v, %v; want an empty list", kids, err)
	}
	if _, err := s.Children(ctx, "530524107999"); !errs.Is(err, errs.NotFound) {
		t.Errorf("Children(unknown) error = %v, want not found", err)
	}
}

// TestSubtreeRange checks over the real table that the code range of 昌宁县
// holds exactly the nodes whose parent chain (as stored) passes through it.
func TestSubtreeRange(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t)
	s := regions.NewStore(db)
	const county = "530524000000"
	lo, hi := regions.Range(county)
	if lo != "530524000000" || hi != "530525000000" {
		t.Fatalf("Range(%s) = %s..%s", county, lo, hi)
	}
	parent := map[string]string{}
	rows, err := db.Reader().QueryContext(ctx, `SELECT code, COALESCE(parent_code, '') FROM regions`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c, p string
		if err := rows.Scan(&c, &p); err != nil {
			t.Fatal(err)
		}
		parent[c] = p
	}
	rows.Close()
	if len(parent) < 50000 {
		t.Fatalf("only %d regions", len(parent))
	}
	inside := 0
	for code := range parent {
		under := false
		for c := code; c != ""; c = parent[c] {
			under = under || c == county
		}
		if in := code >= lo && code < hi; in != under {
			t.Errorf("%s: in range %v, under 昌宁县 %v", code, in, under)
		}
		if under {
			inside++
			if code == county {
				continue
			}
			str, err := s.PathString(ctx, code)
			if err != nil || !strings.HasPrefix(str, "云南省 › 保山市 › 昌宁县 › ") {
				t.Errorf("PathString(%s) = %q, %v", code, str, err)
			}
		}
	}
	var n int
	if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM regions WHERE code >= ? AND code < ?`, lo, hi).Scan(&n); err != nil || n != inside || n < 100 {
		t.Errorf("range count = %d, %v; under 昌宁县 %d", n, err, inside)
	}
	// A village's range is the village alone.
	lo, hi = regions.Range(wencang)
	if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM regions WHERE code >= ? AND code < ?`, lo, hi).Scan(&n); err != nil || n != 1 {
		t.Errorf("village range count = %d, %v; want 1", n, err)
	}
}

func TestIsVillage(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t)
	s := regions.NewStore(db)
	for code, want := range map[string]bool{
		wencang:        true,
		"530524107":    false,
		"53":           false,
		"530524107999": false,
		"110101001001": false, // a village of Beijing: not in Base
	} {
		got, err := s.IsVillage(ctx, db.Reader(), code)
		if err != nil || got != want {
			t.Errorf("IsVillage(%s) = %v, %v; want %v", code, got, err, want)
		}
	}
	if _, err := s.IsVillage(ctx, db.Reader(), "5305x"); !errs.Is(err, errs.Invalid) {
		t.Errorf("IsVillage(malformed) error = %v", err)
	}
	err := db.Write(ctx, func(tx *storage.Tx) error {
		ok, err := s.IsVillage(ctx, tx, wencang)
		if err == nil && !ok {
			t.Errorf("IsVillage in a transaction = false")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	s := regions.NewStore(testdb.Open(t))
	codes := []string{wencang, "5305", "530524000000", "", "530524107999", "bad"}
	for range 2 { // the second time from the cache
		got, err := s.Names(ctx, codes)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{wencang: "文沧村民委员会", "5305": "保山市", "530524000000": "昌宁县", "": "全国"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Names = %v, want %v", got, want)
		}
	}
	// More codes than one query takes, from a fresh store (no cache).
	db := testdb.Open(t)
	rows, err := db.Reader().QueryContext(ctx, `SELECT code, name FROM regions WHERE code >= '53' ORDER BY code LIMIT 1234`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	var many []string
	for rows.Next() {
		var c, n string
		if err := rows.Scan(&c, &n); err != nil {
			t.Fatal(err)
		}
		want[c] = n
		many = append(many, c, c) // duplicates are fine
	}
	rows.Close()
	got, err := regions.NewStore(db).Names(ctx, many)
	if err != nil || len(want) != 1234 || !reflect.DeepEqual(got, want) {
		t.Errorf("Names(%d codes) = %d names, %v; want %d", len(many), len(got), err, len(want))
	}
}

func TestLoadIdempotent(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t)
	before, err := regions.Loaded(ctx, db.Reader())
	if err != nil {
		t.Fatal(err)
	}
	want := map[regions.Level]int{1: 31, 2: 342, 3: 2975, 4: 41351, 5: 14888}
	if !reflect.DeepEqual(before, want) {
		t.Errorf("Loaded after Base = %v, want %v", before, want)
	}
	n, err := regions.Load(ctx, db, regions.Base)
	if err != nil || n != 0 {
		t.Errorf("second Load(Base) = %d, %v; want 0", n, err)
	}
	after, err := regions.Loaded(ctx, db.Reader())
	if err != nil || !reflect.DeepEqual(after, before) {
		t.Errorf("Loaded after second Load = %v, %v", after, err)
	}
}

// reload empties the regions table of db and loads set, timing it.
func reload(t *testing.T, db *storage.DB, set regions.Set) (int, time.Duration) {
	t.Helper()
	if err := db.Write(ctx, func(tx *storage.Tx) error {
		// TRUNCATE, not DELETE: PostgreSQL's dead rows would slow the load.
		// CASCADE only reaches the (empty) tables that refer to regions.
		q := `DELETE FROM regions`
		if db.Dialect() == storage.Postgres {
			q = `TRUNCATE regions CASCADE`
		}
		_, err := tx.ExecContext(ctx, q)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	n, err := regions.Load(ctx, db, set)
	if err != nil {
		t.Fatal(err)
	}
	return n, time.Since(start)
}

func TestLoadAll(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 665,271 regions")
	}
	db := testdb.Open(t)
	n, d := reload(t, db, regions.Base)
	t.Logf("%s: Load(Base) of %d regions into an empty table took %v", db.Dialect(), n, d.Round(time.Millisecond))
	if n != 59587 {
		t.Errorf("Load(Base) added %d, want 59587", n)
	}
	n, d = reload(t, db, regions.All)
	t.Logf("%s: Load(All) of %d regions into an empty table took %v", db.Dialect(), n, d.Round(time.Millisecond))
	if n != 665271 {
		t.Errorf("Load(All) added %d, want 665271", n)
	}
	got, err := regions.Loaded(ctx, db.Reader())
	if err != nil {
		t.Fatal(err)
	}
	// The source's 2,978 counties, 41,352 townships and 620,573 villages
	// include five placeholders whose 12-digit code is their parent's
	// (东莞市, 中山市, 儋州市 as counties; 金门县 as township and village).
	want := map[regions.Level]int{1: 31, 2: 342, 3: 2975, 4: 41351, 5: 620572}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Loaded = %v, want %v", got, want)
	}
	s := regions.NewStore(db)
	if str, err := s.PathString(ctx, "110101001001"); err != nil || str != "北京市 › 市辖区 › 东城区 › 东华门街道 › 多福巷社区居委会" {
		t.Errorf("PathString(110101001001) = %q, %v", str, err)
	}
	if n, err := regions.Load(ctx, db, regions.All); err != nil || n != 0 {
		t.Errorf("second Load(All) = %d, %v; want 0", n, err)
	}
}

func TestLoadFile(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t)
	dir := t.TempDir()
	write := func(name, text string, gz bool) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if gz {
			zw := gzip.NewWriter(f)
			zw.Write([]byte(text))
			zw.Close()
		} else {
			f.WriteString(text)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	count := func() int {
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM regions`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()

	// A bad line fails the whole file.
	bad := write("bad.tsv", "110101001001\t多福巷社区居委会\n11010100100x\t坏\n", false)
	_, err := regions.LoadFile(ctx, db, bad)
	if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.As(err).Message, "第2行") {
		t.Errorf("LoadFile(bad) error = %v, want invalid naming line 2", err)
	}
	if n := count(); n != before {
		t.Errorf("LoadFile(bad) left %d rows, want %d", n, before)
	}
	if _, err := regions.LoadFile(ctx, db, filepath.Join(dir, "missing.tsv")); !errs.Is(err, errs.Invalid) {
		t.Errorf("LoadFile(missing) error = %v", err)
	}

	text := "# Beijing's first villages\n110101001001\t多福巷社区居委会\r\n\n110101001002\t银闸社区居委会\n530524107202\t文沧村民委员会\n"
	for _, gz := range []bool{false, true} {
		p := write("ok.tsv", text, gz)
		n, err := regions.LoadFile(ctx, db, p)
		want := 2
		if gz {
			want = 0 // already loaded from the plain file
		}
		if err != nil || n != want {
			t.Errorf("LoadFile(gzip %v) = %d, %v; want %d", gz, n, err, want)
		}
	}
	s := regions.NewStore(db)
	if r, err := s.Get(ctx, "110101001002"); err != nil || r.Name != "银闸社区居委会" || r.ParentCode != "110101001000" || r.Level != regions.Village {
		t.Errorf("Get(110101001002) = %+v, %v", r, err)
	}
}
