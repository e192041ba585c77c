package dashboard

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// Sheet names of the workbook besides the sections'.
const (
	CoverSheet    = "封面"
	RankingsSheet = "通报排名"
)

// XLSXType is the media type of the workbook.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// FileName is the name of a dashboard's workbook,
// 数据看板_<node>_<YYYYMMDD>.xlsx, the characters a file name may not hold
// replaced with "_".
func FileName(d Dashboard) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`\/:*?"<>|`, r) || r < ' ' {
			return '_'
		}
		return r
	}, d.Node.Name)
	return "数据看板_" + name + "_" + strings.ReplaceAll(d.Today, "-", "") + ".xlsx"
}

// MaxSheetName is the longest sheet name a spreadsheet accepts, in UTF-16
// code units.
const MaxSheetName = 31

// Formats of the workbook's numbers.
const (
	percentFormat = "0.0%"
	hoursFormat   = "0.0"
	countFormat   = "0"
)

// WriteXLSX writes d to w as an .xlsx workbook: a cover sheet (封面: the
// node, its path, the day the figures count up to and every section's
// note), then one sheet per section, named after its title — a header
// row (名称 and the metric labels), the node's own row (Total), then one
// row per child node (or month) — and last the bulletin's rankings
// (通报排名, see Rankings). Counts are written as whole numbers, hours as
// numbers with one decimal and percentages as fractions with a percent
// format (62.5 on the page is 0.625 shown as 62.5%); a value a row lacks
// is an empty cell. Sheet names are cut to MaxSheetName and made unique.
// Every sheet is written with excelize's StreamWriter.
func WriteXLSX(w io.Writer, d Dashboard) error {
	f := excelize.NewFile()
	defer f.Close()
	x := &book{f: f, used: map[string]bool{}}
	if err := x.styles(); err != nil {
		return err
	}
	if err := x.cover(d); err != nil {
		return fmt.Errorf("dashboard: workbook cover: %w", err)
	}
	for _, s := range d.Sections {
		if err := x.section(s); err != nil {
			return fmt.Errorf("dashboard: workbook sheet %s: %w", s.ID, err)
		}
	}
	if err := x.rankings(d); err != nil {
		return fmt.Errorf("dashboard: workbook rankings: %w", err)
	}
	f.SetActiveSheet(0)
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("dashboard: write workbook: %w", err)
	}
	return nil
}

// SheetNames returns the names WriteXLSX gives the sheets of d, in order:
// the cover, one per section, the rankings.
func SheetNames(d Dashboard) []string {
	used := map[string]bool{}
	out := []string{uniqueSheet(used, CoverSheet)}
	for _, s := range d.Sections {
		out = append(out, uniqueSheet(used, s.Title))
	}
	return append(out, uniqueSheet(used, RankingsSheet))
}

// uniqueSheet makes a title a valid sheet name not yet in used (compared
// as spreadsheets do, ignoring case), and records it: the characters a
// sheet name may not hold become "_", it is cut to MaxSheetName, and a
// repeat gets "(2)", "(3)" … within the limit.
func uniqueSheet(used map[string]bool, title string) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) || r < ' ' {
			return '_'
		}
		return r
	}, strings.TrimSpace(title))
	name = strings.Trim(name, "'")
	if name == "" {
		name = "Sheet"
	}
	base := cut(name, MaxSheetName)
	name = base
	for i := 2; used[strings.ToLower(name)]; i++ {
		suffix := fmt.Sprintf("(%d)", i)
		name = cut(base, MaxSheetName-len(suffix)) + suffix
	}
	used[strings.ToLower(name)] = true
	return name
}

// cut shortens s to at most n UTF-16 code units, on a rune boundary.
func cut(s string, n int) string {
	units := 0
	for i, r := range s {
		units += len(utf16.Encode([]rune{r}))
		if units > n {
			return s[:i]
		}
	}
	return s
}

// book is a workbook being written.
type book struct {
	f     *excelize.File
	used  map[string]bool
	first bool // the first sheet (Sheet1) has been renamed
	// Style ids.
	head, title, percent, hours, count, text int
}

func (x *book) styles() error {
	var err error
	style := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = x.f.NewStyle(s)
		return id
	}
	str := func(s string) *string { return &s }
	x.head = style(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Border: []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}})
	x.title = style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	x.percent = style(&excelize.Style{CustomNumFmt: str(percentFormat)})
	x.hours = style(&excelize.Style{CustomNumFmt: str(hoursFormat)})
	x.count = style(&excelize.Style{CustomNumFmt: str(countFormat)})
	x.text = style(&excelize.Style{NumFmt: 49})
	return err
}

// sheet adds a sheet named after title (the first renames Sheet1) and
// returns its stream writer.
func (x *book) sheet(title string) (*excelize.StreamWriter, error) {
	name := uniqueSheet(x.used, title)
	if !x.first {
		x.first = true
		if err := x.f.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
	} else if _, err := x.f.NewSheet(name); err != nil {
		return nil, err
	}
	return x.f.NewStreamWriter(name)
}

// cell is a text cell.
func (x *book) cell(s string) excelize.Cell { return excelize.Cell{StyleID: x.text, Value: s} }

// value is a metric's value as a cell of its format: empty when the row
// has none.
func (x *book) value(m Metric, values map[string]float64) any {
	v, ok := values[m.Key]
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return x.number(m.Format, v)
}

func (x *book) number(format string, v float64) excelize.Cell {
	switch format {
	case FormatPercent:
		return excelize.Cell{StyleID: x.percent, Value: v / 100}
	case FormatHours:
		return excelize.Cell{StyleID: x.hours, Value: v}
	}
	return excelize.Cell{StyleID: x.count, Value: int64(math.Round(v))}
}

// rowsOf writes rows from row 1 on.
func rowsOf(sw *excelize.StreamWriter, rows [][]any) error {
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, r); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// PathText is the node's place in the tree as the cover shows it:
// the names of d.Path and d.Node joined by " › ".
func PathText(d Dashboard) string {
	names := make([]string, 0, len(d.Path)+1)
	for _, n := range d.Path {
		names = append(names, n.Name)
	}
	return strings.Join(append(names, d.Node.Name), " › ")
}

func (x *book) cover(d Dashboard) error {
	sw, err := x.sheet(CoverSheet)
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, 1, 16); err != nil {
		return err
	}
	if err := sw.SetColWidth(2, 2, 60); err != nil {
		return err
	}
	rows := [][]any{
		{excelize.Cell{StyleID: x.title, Value: "数据看板：" + d.Node.Name}},
		{x.cell("单位"), x.cell(d.Node.Name)},
		{x.cell("层级"), x.cell(levelText(d.Node))},
		{x.cell("代码"), x.cell(d.Node.Code)},
		{x.cell("所在位置"), x.cell(PathText(d))},
		{x.cell("统计截至"), x.cell(d.Today)},
		{},
		{excelize.Cell{StyleID: x.head, Value: "部分"}, excelize.Cell{StyleID: x.head, Value: "说明"}},
	}
	for _, s := range d.Sections {
		rows = append(rows, []any{x.cell(s.Title), x.cell(s.Note)})
	}
	return rowsOf(sw, rows)
}

// levelText names a node's level: the region level (省 … 村) or 学校.
func levelText(n Node) string {
	switch {
	case n.Level != "":
		return n.Level
	case n.Kind == KindSchool:
		return "学校"
	case n.Kind == KindClass:
		return "班级"
	}
	return ""
}

// RowHeader is the header of a section's first column: 月份 for the trend
// (rows by month), else 名称.
func RowHeader(s Section) string {
	if len(s.Rows) > 0 && s.Rows[0].Node.Kind == KindMonth {
		return "月份"
	}
	return "名称"
}

func (x *book) section(s Section) error {
	sw, err := x.sheet(s.Title)
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, 1, 24); err != nil {
		return err
	}
	if len(s.Metrics) > 0 {
		if err := sw.SetColWidth(2, len(s.Metrics)+1, 14); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 1, YSplit: 1, TopLeftCell: "B2", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	head := []any{excelize.Cell{StyleID: x.head, Value: RowHeader(s)}}
	for _, m := range s.Metrics {
		head = append(head, excelize.Cell{StyleID: x.head, Value: m.Label})
	}
	rows := [][]any{head}
	line := func(r Row) []any {
		out := []any{x.cell(r.Node.Name)}
		for _, m := range s.Metrics {
			out = append(out, x.value(m, r.Values))
		}
		return out
	}
	rows = append(rows, line(s.Total))
	for _, r := range s.Rows {
		rows = append(rows, line(r))
	}
	return rowsOf(sw, rows)
}

// RankingTitle is the line above a ranking: the section and metric, and
// which way is better.
func RankingTitle(sectionTitle string, r Ranking) string {
	order := "从高到低"
	if r.Metric.Lower {
		order = "从低到高"
	}
	return sectionTitle + " · " + r.Metric.Label + "（" + order + "）"
}

func (x *book) rankings(d Dashboard) error {
	sw, err := x.sheet(RankingsSheet)
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, 1, 8); err != nil {
		return err
	}
	if err := sw.SetColWidth(2, 2, 24); err != nil {
		return err
	}
	if err := sw.SetColWidth(3, 3, 14); err != nil {
		return err
	}
	titles := map[string]string{}
	for _, s := range d.Sections {
		titles[s.ID] = s.Title
	}
	var rows [][]any
	rs := Rankings(d)
	if len(rs) == 0 {
		rows = append(rows, []any{x.cell("没有可排名的下级单位")})
	}
	for i, r := range rs {
		if i > 0 {
			rows = append(rows, []any{})
		}
		rows = append(rows, []any{excelize.Cell{StyleID: x.title, Value: RankingTitle(titles[r.Section], r)}},
			[]any{excelize.Cell{StyleID: x.head, Value: "名次"}, excelize.Cell{StyleID: x.head, Value: "名称"}, excelize.Cell{StyleID: x.head, Value: r.Metric.Label}})
		for _, it := range r.Items {
			rows = append(rows, []any{excelize.Cell{StyleID: x.count, Value: it.Place}, x.cell(it.Node.Name), x.number(r.Metric.Format, it.Value)})
		}
	}
	return rowsOf(sw, rows)
}
