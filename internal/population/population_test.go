package population_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"guanai/internal/access"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/population"
	"guanai/internal/regions"
	"guanai/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

const (
	province   = "530000000000" // 云南省
	prefecture = "530500000000" // 保山市
	county     = "530524000000" // 昌宁县, 13 townships
	tianyuan   = "530524101000" // 田园镇
	mangshui   = "530524102000" // 漭水镇
	datianba   = "530524107000" // 大田坝镇, 6 villages
	wencang    = "530524107202" // 文沧村民委员会
	wuhua      = "530102000000" // 五华区, 昆明市
)

// officer is a county officer of 昌宁县.
var officer = access.Viewer{UserID: "u-officer", Username: "cn.officer", Name: "昌宁县民政局", Region: county, CanWrite: true}

// provincial is an officer of 云南省.
var provincial = access.Viewer{UserID: "u-prov", Username: "yn.officer", Name: "云南省民政厅", Region: province, CanWrite: true}

var auditor = access.Viewer{UserID: "u-auditor", Roles: []string{"auditor"}}

var header = []any{"区划代码", "年份", "0-5岁", "6-11岁", "12-14岁", "15-17岁"}

func setup(t *testing.T) (*app.App, *population.Service) {
	t.Helper()
	a := apptest.New(t)
	return a, population.New(a.DB, a.Regions)
}

func writeXLSX(t *testing.T, rows ...[]any) string {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "人口.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeCSV(t *testing.T, rows [][]string, gbk bool) string {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.WriteAll(rows)
	data := buf.Bytes()
	if gbk {
		var err error
		if data, err = simplifiedchinese.GBK.NewEncoder().Bytes(data); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "人口.csv")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func importOK(t *testing.T, s *population.Service, v access.Viewer, path string) *population.Result {
	t.Helper()
	res, err := s.Import(context.Background(), v, path, population.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Invalid > 0 || !res.Committed {
		t.Fatalf("import rejected: %s %v", res.Message(), res.Errors)
	}
	return res
}

func get(t *testing.T, a *app.App, node string) population.Figures {
	t.Helper()
	f, err := population.Get(context.Background(), a.DB.Reader(), node)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func bands(a, b, c, d int) map[string]int {
	return map[string]int{"0-5": a, "6-11": b, "12-14": c, "15+": d}
}

func sameBands(t *testing.T, what string, got population.Figures, want map[string]int) {
	t.Helper()
	if len(got.Bands) != len(want) {
		t.Errorf("%s: bands %v, want %v", what, got.Bands, want)
		return
	}
	for k, v := range want {
		if got.Bands[k] != v {
			t.Errorf("%s: band %s = %d, want %d (%v)", what, k, got.Bands[k], v, got.Bands)
		}
	}
}

// townships lists the 13 townships of 昌宁县.
func townships(t *testing.T, a *app.App) []string {
	t.Helper()
	kids, err := a.Regions.Children(context.Background(), county)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range kids {
		out = append(out, k.Code)
	}
	if len(out) != 13 {
		t.Fatalf("昌宁县 has %d townships, want 13", len(out))
	}
	return out
}

// TestImportDerivesEveryAncestor imports two townships' figures from an
// .xlsx and checks the declared figures, the sums at every ancestor up to
// all of China, their completeness, and Children.
func TestImportDerivesEveryAncestor(t *testing.T) {
	a, s := setup(t)
	ctx := context.Background()
	p := writeXLSX(t, header,
		[]any{tianyuan, 2024, 1000, 2000, 900, 800},
		[]any{"530524102", "2023", "500", "700", "300", "250"}) // a short code, text cells
	dry, err := s.Import(ctx, officer, p, population.Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if dry.Committed || dry.Created != 2 || dry.Invalid != 0 || dry.Rows != 2 {
		t.Fatalf("dry run: %+v", dry)
	}
	if get(t, a, tianyuan).Known() {
		t.Fatal("a dry run wrote figures")
	}
	res := importOK(t, s, officer, p)
	if res.Created != 2 || res.Derived != 4 { // county, prefecture, province, China
		t.Errorf("result: %+v", res)
	}
	ty := get(t, a, tianyuan)
	if !ty.Declared || !ty.Complete || ty.Year != 2024 || ty.UpdatedBy != officer.Username {
		t.Errorf("田园镇: %+v", ty)
	}
	sameBands(t, "田园镇", ty, bands(1000, 2000, 900, 800))
	want := bands(1500, 2700, 1200, 1050)
	for _, node := range []string{county, prefecture, province, regions.Root} {
		f := get(t, a, node)
		sameBands(t, node, f, want)
		if f.Declared || f.Complete || f.Year != 2024 {
			t.Errorf("%s: %+v, want derived, partial, 2024", node, f)
		}
	}
	if f := get(t, a, county); f.Contributing != 2 || f.ChildNodes != 13 {
		t.Errorf("county: %d of %d child nodes, want 2 of 13", f.Contributing, f.ChildNodes)
	}
	if f := get(t, a, prefecture); f.Contributing != 1 || f.ChildNodes != 5 {
		t.Errorf("prefecture: %d of %d child nodes, want 1 of 5", f.Contributing, f.ChildNodes)
	}
	kids, err := population.Children(ctx, a.DB.Reader(), county)
	if err != nil {
		t.Fatal(err)
	}
	if len(kids) != 2 || kids[mangshui].Bands["6-11"] != 700 || !kids[mangshui].Declared || kids[mangshui].Year != 2023 {
		t.Errorf("children of the county: %+v", kids)
	}
	if kids, _ := population.Children(ctx, a.DB.Reader(), ""); len(kids) != 1 || kids[province].Bands["0-5"] != 1500 {
		t.Errorf("children of China: %+v", kids)
	}
	if f := get(t, a, datianba); f.Known() {
		t.Errorf("大田坝镇 has figures: %+v", f)
	}

	// Every township: the county's sum is complete, the prefecture's not.
	rows := [][]any{header}
	for i, c := range townships(t, a) {
		rows = append(rows, []any{c, 2024, 100 + i, 200, 300, 400})
	}
	importOK(t, s, officer, writeXLSX(t, rows...))
	if f := get(t, a, county); !f.Complete || f.Contributing != 13 || f.Bands["0-5"] != 13*100+78 || f.Bands["15+"] != 13*400 {
		t.Errorf("county with every township: %+v", f)
	}
	if f := get(t, a, prefecture); f.Complete {
		t.Errorf("prefecture with one county of five is complete: %+v", f)
	}
	// A township declared over its villages' sums; a village's
	// incompleteness does not reach past a declared node.
	importOK(t, s, officer, writeXLSX(t, header, []any{wencang, 2024, 10, 20, 30, 40}))
	if f := get(t, a, datianba); !f.Declared || f.Bands["0-5"] != 100+6 {
		t.Errorf("大田坝镇 after importing a village: %+v", f)
	}
	if f := get(t, a, county); !f.Complete {
		t.Errorf("county after a village: %+v", f)
	}
}

// TestDeclaredOverridesDerived declares a county above declared
// townships: the county's own figures win, its ancestors sum them.
func TestDeclaredOverridesDerived(t *testing.T) {
	a, s := setup(t)
	importOK(t, s, officer, writeXLSX(t, header, []any{tianyuan, 2024, 1, 2, 3, 4}, []any{mangshui, 2024, 10, 20, 30, 40}))
	importOK(t, s, officer, writeXLSX(t, header, []any{county, 2024, 5000, 6000, 7000, 8000}))
	f := get(t, a, county)
	if !f.Declared || !f.Complete {
		t.Errorf("county: %+v", f)
	}
	sameBands(t, "county", f, bands(5000, 6000, 7000, 8000))
	sameBands(t, "prefecture", get(t, a, prefecture), bands(5000, 6000, 7000, 8000))
	sameBands(t, "China", get(t, a, ""), bands(5000, 6000, 7000, 8000))
	// A township imported afterwards leaves the declared county alone.
	importOK(t, s, officer, writeXLSX(t, header, []any{datianba, 2024, 100, 100, 100, 100}))
	sameBands(t, "county after a township", get(t, a, county), bands(5000, 6000, 7000, 8000))
	sameBands(t, "province after a township", get(t, a, province), bands(5000, 6000, 7000, 8000))
}

// TestReimportIsIdempotent imports the same file twice and then a changed
// one: the second import changes nothing and audits nothing; the third
// replaces the node's figures.
func TestReimportIsIdempotent(t *testing.T) {
	a, s := setup(t)
	ctx := context.Background()
	p := writeXLSX(t, header, []any{tianyuan, 2024, 1, 2, 3, 4}, []any{mangshui, 2024, 10, 20, 30, 40})
	importOK(t, s, officer, p)
	before := get(t, a, county)
	res := importOK(t, s, officer, p)
	if res.Unchanged != 2 || res.Created+res.Updated != 0 {
		t.Errorf("second import: %+v", res)
	}
	after := get(t, a, county)
	if !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Error("an unchanged import rewrote the sums")
	}
	sameBands(t, "county", after, bands(11, 22, 33, 44))
	page, err := audit.Search(ctx, a.DB, auditor, audit.Filter{RecordType: population.RecordType})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 {
		t.Fatalf("audit entries: %d, want 2", page.Total)
	}
	e := page.Entries[0]
	if e.Action != audit.ActionCreate || e.Username != officer.Username || !strings.Contains(e.Note, "人口.xlsx") || len(e.Changes) != 5 {
		t.Errorf("audit entry: %+v", e)
	}
	res = importOK(t, s, officer, writeXLSX(t, header, []any{tianyuan, 2025, 1, 2, 3, 5}))
	if res.Updated != 1 {
		t.Errorf("changed import: %+v", res)
	}
	sameBands(t, "county after the change", get(t, a, county), bands(11, 22, 33, 45))
	if f := get(t, a, county); f.Year != 2025 {
		t.Errorf("year of the sum: %d", f.Year)
	}
	page, _ = audit.Search(ctx, a.DB, auditor, audit.Filter{RecordType: population.RecordType, RecordID: tianyuan})
	if page.Total != 2 || page.Entries[0].Action != audit.ActionUpdate || len(page.Entries[0].Changes) != 2 {
		t.Errorf("audit of the update: %+v", page.Entries)
	}
}

// TestBadRowsWriteNothing checks every kind of bad row is named in
// Chinese by row and column, and that a commit with one writes nothing.
func TestBadRowsWriteNothing(t *testing.T) {
	a, s := setup(t)
	p := writeXLSX(t, header,
		[]any{tianyuan, 2024, 1, 2, 3, 4},
		[]any{mangshui, 2024, -5, 2, 3, 4},
		[]any{"530524103000", 2024, 1, "很多", 3, 4},
		[]any{"530524999000", 2024, 1, 2, 3, 4},
		[]any{wuhua, 2024, 1, 2, 3, 4},
		[]any{"5305241010", 2024, 1, 2, 3, 4},
		[]any{"530524101", 2024, 1, 2, 3, 4},
		[]any{"530524104000", 1800, 1, 2, 3, 4},
		[]any{"530524105000", 2024, 1, 2, 3.5, 20_000_000},
		[]any{"530524106000", 2024, 1, 2, 3, ""},
		[]any{},
		[]any{"", 2024, 1, 2, 3, 4})
	res, err := s.Import(context.Background(), officer, p, population.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Committed || res.Rows != 11 || res.Valid != 1 || res.Invalid != 10 {
		t.Errorf("result: %+v", res)
	}
	want := []string{
		"第3行“0-5岁”（-5）：儿童人数不能为负数",
		"第4行“6-11岁”（很多）：儿童人数应为整数",
		"第5行“区划代码”（530524999000）：区划代码530524999000不存在",
		"第6行“区划代码”（530102000000）：区划530102000000不在您的管辖范围内",
		"第7行“区划代码”（5305241010）：区划代码应为2、4、6、9或12位数字的统计用区划代码",
		"第8行“区划代码”（530524101）：与第2行是同一个区划（530524101000）",
		"第9行“年份”（1800）：年份应在1990至",
		"第10行“12-14岁”（3.5）：儿童人数应为整数，不能有小数",
		"第10行“15-17岁”（20000000）：儿童人数超过了10000000的上限",
		"第11行“15-17岁”：请填写儿童人数",
		"第13行“区划代码”：请填写区划代码或区划名称",
	}
	var got []string
	for _, e := range res.Errors {
		got = append(got, e.String())
	}
	all := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("no error %q in:\n%s", w, all)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d errors, want %d:\n%s", len(got), len(want), all)
	}
	for _, node := range []string{tianyuan, county, ""} {
		if f := get(t, a, node); f.Known() {
			t.Errorf("%s has figures after a rejected import: %+v", node, f)
		}
	}
	// A file without the band columns is refused as a whole.
	_, err = s.Import(context.Background(), officer, writeXLSX(t, []any{"区划代码", "年份", "0-5岁"}, []any{tianyuan, 2024, 1}), population.Options{})
	if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "缺少“6-11岁”、“12-14岁”、“15-17岁”列") {
		t.Errorf("missing columns: %v", err)
	}
	_, err = s.Import(context.Background(), officer, writeXLSX(t, []any{"姓名", "性别"}, []any{"张三", "男"}), population.Options{})
	if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "没有找到可以识别的表头") {
		t.Errorf("no header: %v", err)
	}
}

// TestCSVInGBKByName reads a GBK CSV that names its nodes by path, with
// band headers written other ways.
func TestCSVInGBKByName(t *testing.T) {
	a, s := setup(t)
	p := writeCSV(t, [][]string{
		{"区划名称", "统计年度", "0至5岁", "6～11周岁", "12-14岁儿童人数", "15岁及以上"},
		{"云南省保山市昌宁县田园镇", "2024年", "1,200", "2000", "900", "800"},
		{"云南省 保山市 昌宁县 漭水镇", "2024", "10", "20", "30", "40"},
		{"保山市昌宁县大田坝", "2024", "1", "1", "1", "1"},
		{"昌宁县 无此镇", "2024", "1", "1", "1", "1"},
		{"昆明市五华区", "2024", "1", "1", "1", "1"},
		{"云南省/保山市/昌宁县/田园镇", "2024", "1", "1", "1", "1"},
	}, true)
	res, err := s.Import(context.Background(), officer, p, population.Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "CSV（GB18030）" || res.Valid != 3 || res.Invalid != 3 {
		t.Fatalf("result: %+v", res)
	}
	all := fmt.Sprint(res.Errors)
	if !strings.Contains(all, "第5行“区划名称”（昌宁县 无此镇）：找不到这个区划") || !strings.Contains(all, "第6行“区划名称”（昆明市五华区）：区划530102000000不在您的管辖范围内") ||
		!strings.Contains(all, "第7行“区划名称”（云南省/保山市/昌宁县/田园镇）：与第2行是同一个区划（530524101000）") {
		t.Errorf("errors: %s", all)
	}
	p = writeCSV(t, [][]string{
		{"区划名称", "统计年度", "0至5岁", "6～11周岁", "12-14岁儿童人数", "15岁及以上"},
		{"云南省保山市昌宁县田园镇", "2024年", "1,200", "2000", "900", "800"},
		{"云南省 保山市 昌宁县 漭水镇", "2024", "10", "20", "30", "40"},
		{"保山市昌宁县大田坝", "2024", "1", "1", "1", "1"},
	}, true)
	importOK(t, s, officer, p)
	sameBands(t, "田园镇", get(t, a, tianyuan), bands(1200, 2000, 900, 800))
	sameBands(t, "大田坝镇", get(t, a, datianba), bands(1, 1, 1, 1))
	sameBands(t, "county", get(t, a, county), bands(1211, 2021, 931, 841))
}

// TestCodeAndNameMustAgree checks a name written beside a code.
func TestCodeAndNameMustAgree(t *testing.T) {
	_, s := setup(t)
	p := writeXLSX(t, []any{"区划代码", "区划名称", "年份", "0-5岁", "6-11岁", "12-14岁", "15-17岁"},
		[]any{tianyuan, "田园镇", 2024, 1, 2, 3, 4},
		[]any{mangshui, "云南省保山市昌宁县田园镇", 2024, 1, 2, 3, 4})
	res, err := s.Import(context.Background(), provincial, p, population.Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Invalid != 1 || len(res.Errors) != 1 || res.Errors[0].Row != 3 || res.Errors[0].Column != "区划名称" || !strings.Contains(res.Errors[0].Reason, "与区划代码530524102000（漭水镇）不符") {
		t.Errorf("result: %+v", res)
	}
}

// TestScope checks who may import and that a provincial import reaches
// the province's whole tree.
func TestScope(t *testing.T) {
	a, s := setup(t)
	ctx := context.Background()
	p := writeXLSX(t, header, []any{tianyuan, 2024, 1, 2, 3, 4})
	for _, v := range []access.Viewer{
		{UserID: "reader", Region: county},
		{UserID: "teacher", Region: county, SchoolID: "s1", CanWrite: true},
		{UserID: "nobody", Region: county, CanWrite: true, Nobody: true},
	} {
		if _, err := s.Import(ctx, v, p, population.Options{DryRun: true}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("%s: %v, want forbidden", v.UserID, err)
		}
	}
	other := access.Viewer{UserID: "kunming", Username: "km", Region: "530100000000", CanWrite: true}
	res, err := s.Import(ctx, other, p, population.Options{})
	if err != nil || res.Committed || res.Invalid != 1 {
		t.Fatalf("out of scope: %+v %v", res, err)
	}
	importOK(t, s, provincial, writeXLSX(t, header, []any{wuhua, 2024, 1, 2, 3, 4}, []any{tianyuan, 2024, 1, 2, 3, 4}))
	sameBands(t, "province", get(t, a, province), bands(2, 4, 6, 8))

	l, err := s.List(ctx, officer, "")
	if err != nil {
		t.Fatal(err)
	}
	if l.Node.Code != county || len(l.Children) != 13 || l.Node.Figures == nil || l.Children[0].Figures == nil || l.Children[1].Figures != nil {
		t.Errorf("listing: %+v", l)
	}
	if _, err := s.List(ctx, officer, wuhua); !errs.Is(err, errs.NotFound) {
		t.Errorf("listing out of scope: %v", err)
	}
	if _, err := s.List(ctx, officer, "53"); !errs.Is(err, errs.NotFound) {
		t.Errorf("listing above scope: %v", err)
	}
}

// TestTemplateImports checks the template reads back as a valid file.
func TestTemplateImports(t *testing.T) {
	a, s := setup(t)
	var buf bytes.Buffer
	if err := population.Template(&buf); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), population.TemplateName)
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	importOK(t, s, officer, p)
	sameBands(t, "大田坝镇", get(t, a, datianba), bands(1650, 2380, 1120, 1040))
}

// TestDeclare writes figures given in code, checked like a file's rows.
func TestDeclare(t *testing.T) {
	a, s := setup(t)
	ctx := context.Background()
	res, err := s.Declare(ctx, officer, []population.Declaration{{Code: "530524101", Year: 2024, Bands: bands(1, 2, 3, 4)}, {Code: mangshui, Year: 2024, Bands: bands(5, 6, 7, 8)}}, "演示数据")
	if err != nil || res.Created != 2 || !res.Committed {
		t.Fatalf("declare: %+v %v", res, err)
	}
	sameBands(t, "county", get(t, a, county), bands(6, 8, 10, 12))
	if res, err := s.Declare(ctx, officer, []population.Declaration{{Code: tianyuan, Year: 2024, Bands: bands(1, 2, 3, 4)}}, "演示数据"); err != nil || res.Unchanged != 1 {
		t.Errorf("declare again: %+v %v", res, err)
	}
	for _, d := range []population.Declaration{
		{Code: wuhua, Year: 2024, Bands: bands(1, 2, 3, 4)},
		{Code: tianyuan, Year: 2024, Bands: map[string]int{"0-5": 1}},
		{Code: tianyuan, Year: 2024, Bands: bands(-1, 2, 3, 4)},
		{Code: "539999000000", Year: 2024, Bands: bands(1, 2, 3, 4)},
		{Code: tianyuan, Year: 1900, Bands: bands(1, 2, 3, 4)},
	} {
		if _, err := s.Declare(ctx, officer, []population.Declaration{{Code: mangshui, Year: 2024, Bands: bands(0, 0, 0, 0)}, d}, "x"); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "第2项") {
			t.Errorf("declare %+v: %v", d, err)
		}
	}
	sameBands(t, "county after rejected declarations", get(t, a, county), bands(6, 8, 10, 12))
}

// TestConcurrentImports runs imports of different townships at once: the
// sums above them count every one.
func TestConcurrentImports(t *testing.T) {
	a, s := setup(t)
	towns := townships(t, a)
	errc := make(chan error, len(towns))
	for _, c := range towns {
		go func() {
			_, err := s.Declare(context.Background(), officer, []population.Declaration{{Code: c, Year: 2024, Bands: bands(1, 2, 3, 4)}}, "并发")
			errc <- err
		}()
	}
	for range towns {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	f := get(t, a, "")
	if !f.Known() || f.Bands["0-5"] != 13 || f.Bands["15+"] != 52 {
		t.Errorf("China after concurrent imports: %+v", f)
	}
	if f := get(t, a, county); !f.Complete || f.Contributing != 13 {
		t.Errorf("county after concurrent imports: %+v", f)
	}
}
