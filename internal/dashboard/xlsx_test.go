package dashboard_test

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"guanai/internal/dashboard"
)

// checkWorkbook reads an exported workbook back and compares every cell
// with d: the cover, each section's sheet (header, Total, child rows,
// number formats) and the rankings.
func checkWorkbook(t *testing.T, body []byte, d dashboard.Dashboard) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	defer f.Close()
	names := dashboard.SheetNames(d)
	if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(names, "|") {
		t.Fatalf("sheets %q, want %q", got, names)
	}
	raw := func(sheet string, col, row int) string {
		t.Helper()
		c, _ := excelize.CoordinatesToCellName(col, row)
		v, err := f.GetCellValue(sheet, c, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatalf("%s!%s: %v", sheet, c, err)
		}
		return v
	}
	format := func(sheet string, col, row int) string {
		t.Helper()
		c, _ := excelize.CoordinatesToCellName(col, row)
		id, err := f.GetCellStyle(sheet, c)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if st.CustomNumFmt != nil {
			return *st.CustomNumFmt
		}
		return ""
	}
	// A value as the page shows it, read back from its cell.
	number := func(sheet string, col, row int, m dashboard.Metric, want float64, has bool) {
		t.Helper()
		s := raw(sheet, col, row)
		where := fmt.Sprintf("%s!%d,%d (%s)", sheet, col, row, m.Key)
		if !has {
			if s != "" {
				t.Errorf("%s: %q, want empty", where, s)
			}
			return
		}
		got, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Errorf("%s: %q is not a number", where, s)
			return
		}
		wantFmt := "0"
		switch m.Format {
		case dashboard.FormatPercent:
			got *= 100
			wantFmt = "0.0%"
		case dashboard.FormatHours:
			wantFmt = "0.0"
		default:
			if strings.Contains(s, ".") {
				t.Errorf("%s: count %q is not whole", where, s)
			}
		}
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: %v, want %v", where, got, want)
		}
		if fm := format(sheet, col, row); fm != wantFmt {
			t.Errorf("%s: number format %q, want %q", where, fm, wantFmt)
		}
	}
	// The cover.
	cover := names[0]
	if got := raw(cover, 2, 2); got != d.Node.Name {
		t.Errorf("cover node %q", got)
	}
	if got := raw(cover, 2, 5); got != dashboard.PathText(d) {
		t.Errorf("cover path %q", got)
	}
	if got := raw(cover, 2, 6); got != d.Today {
		t.Errorf("cover date %q", got)
	}
	for i, s := range d.Sections {
		if raw(cover, 1, 9+i) != s.Title || raw(cover, 2, 9+i) != s.Note {
			t.Errorf("cover note %d: %q %q", i, raw(cover, 1, 9+i), raw(cover, 2, 9+i))
		}
	}
	// The sections.
	for i, s := range d.Sections {
		sh := names[i+1]
		if got := raw(sh, 1, 1); got != dashboard.RowHeader(s) {
			t.Errorf("%s: first header %q", sh, got)
		}
		for j, m := range s.Metrics {
			if got := raw(sh, j+2, 1); got != m.Label {
				t.Errorf("%s: header %d %q, want %q", sh, j, got, m.Label)
			}
		}
		rows := append([]dashboard.Row{s.Total}, s.Rows...)
		for k, r := range rows {
			if got := raw(sh, 1, k+2); got != r.Node.Name {
				t.Errorf("%s: row %d %q, want %q", sh, k, got, r.Node.Name)
			}
			for j, m := range s.Metrics {
				v, ok := r.Values[m.Key]
				number(sh, j+2, k+2, m, v, ok)
			}
		}
		if got := raw(sh, 1, len(rows)+2); got != "" {
			t.Errorf("%s: extra row %q", sh, got)
		}
	}
	// The rankings.
	rk := names[len(names)-1]
	titles := map[string]string{}
	for _, s := range d.Sections {
		titles[s.ID] = s.Title
	}
	row := 1
	rs := dashboard.Rankings(d)
	if len(rs) == 0 && raw(rk, 1, 1) == "" {
		t.Errorf("no rankings: empty sheet")
	}
	for i, r := range rs {
		if i > 0 {
			row++
		}
		if got := raw(rk, 1, row); got != dashboard.RankingTitle(titles[r.Section], r) {
			t.Errorf("ranking %d title %q", i, got)
		}
		row += 2
		for _, it := range r.Items {
			if raw(rk, 1, row) != strconv.Itoa(it.Place) || raw(rk, 2, row) != it.Node.Name {
				t.Errorf("ranking %s row %d: %q %q, want %d %s", r.Metric.Key, row, raw(rk, 1, row), raw(rk, 2, row), it.Place, it.Node.Name)
			}
			number(rk, 3, row, r.Metric, it.Value, true)
			row++
		}
	}
}

func TestWriteXLSXRoundTrip(t *testing.T) {
	d := sample()
	var buf bytes.Buffer
	if err := dashboard.WriteXLSX(&buf, d); err != nil {
		t.Fatal(err)
	}
	checkWorkbook(t, buf.Bytes(), d)
	want := []string{"封面", "留守儿童", "关爱覆盖", "性别构成", "月度趋势", "通报排名"}
	if got := dashboard.SheetNames(d); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sheet names %q", got)
	}
}

func TestWriteXLSXSheetNames(t *testing.T) {
	d := sample()
	long := strings.Repeat("关爱服务与随访情况", 5) // 45 characters
	d.Sections[0].Title = long
	d.Sections[1].Title = long
	d.Sections[2].Title = "封面"
	d.Sections[3].Title = "需求/服务 [按月]:*?"
	var buf bytes.Buffer
	if err := dashboard.WriteXLSX(&buf, d); err != nil {
		t.Fatal(err)
	}
	checkWorkbook(t, buf.Bytes(), d)
	names := dashboard.SheetNames(d)
	seen := map[string]bool{}
	for _, n := range names {
		if len(utf16.Encode([]rune(n))) > dashboard.MaxSheetName {
			t.Errorf("%q is longer than 31", n)
		}
		if seen[n] {
			t.Errorf("%q twice", n)
		}
		seen[n] = true
	}
	if names[3] != "封面(2)" || names[4] != "需求_服务 _按月____" || !strings.HasSuffix(names[2], "(2)") {
		t.Errorf("names %q", names)
	}
	// A dashboard without sections or rankings still makes a workbook.
	buf.Reset()
	empty := dashboard.Dashboard{Node: dashboard.Node{Kind: dashboard.KindSchool, Code: "x", Name: "某小学"}, Today: "2026-11-29"}
	if err := dashboard.WriteXLSX(&buf, empty); err != nil {
		t.Fatal(err)
	}
	checkWorkbook(t, buf.Bytes(), empty)
}
