package population

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/census"
	"guanai/internal/errs"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// MaxCount is the largest number of children a band of one node may have.
const MaxCount = 10_000_000

// MinYear is the earliest year figures may be of.
const MinYear = 1990

// lockKey serialises the writers of the population table on PostgreSQL.
const lockKey = 7243601

// Column fields of a population file.
const (
	fieldCode = "code"
	fieldName = "name"
	fieldYear = "year"
)

// Headers are the column names of the template, by field (bands by their
// key).
var Headers = map[string]string{fieldCode: "区划代码", fieldName: "区划名称", fieldYear: "年份",
	"0-5": "0-5岁", "6-11": "6-11岁", "12-14": "12-14岁", "15+": "15-17岁"}

// headerSynonyms are other names of the code, name and year columns
// (compared by census.NormHeader).
var headerSynonyms = map[string][]string{
	fieldCode: {"区划代码", "行政区划代码", "统计用区划代码", "区划编码", "行政区划编码", "地区代码", "代码", "编码", "区域代码", "村（社区）代码"},
	fieldName: {"区划名称", "行政区划名称", "行政区划", "区划", "地区", "地区名称", "名称", "区域", "区域名称", "单位", "单位名称"},
	fieldYear: {"年份", "年度", "统计年份", "统计年度", "数据年份", "年"},
}

var (
	bandNoise = strings.NewReplacer("周岁", "", "岁", "", "儿童", "", "人口", "", "人数", "", "（人）", "", "年龄", "", "的", "", "数", "")
	bandDash  = strings.NewReplacer("至", "-", "到", "-", "~", "-", "～", "-", "—", "-", "–", "-", "－", "-", "_", "-")
)

// fieldOf returns the field a header names, "" for none.
func fieldOf(header string) string {
	n := census.NormHeader(header)
	if n == "" {
		return ""
	}
	for f, syn := range headerSynonyms {
		for _, s := range syn {
			if census.NormHeader(s) == n {
				return f
			}
		}
	}
	b := bandDash.Replace(bandNoise.Replace(n))
	switch b {
	case "0-5":
		return Bands[0]
	case "6-11":
		return Bands[1]
	case "12-14":
		return Bands[2]
	case "15-17", "15+", "15及以上", "15以上", "15-18":
		return Bands[3]
	}
	return ""
}

// matchHeader maps a header row's columns: field → column index.
func matchHeader(cells []string) (idx map[string]int, dup []string) {
	idx = map[string]int{}
	for i, h := range cells {
		f := fieldOf(h)
		if f == "" {
			continue
		}
		if _, seen := idx[f]; seen {
			dup = append(dup, strings.TrimSpace(h))
			continue
		}
		idx[f] = i
	}
	return idx, dup
}

// recognise says whether a row is the header of a population table: a
// code or name column and a band column.
func recognise(cells []string) bool {
	idx, _ := matchHeader(cells)
	_, code := idx[fieldCode]
	_, name := idx[fieldName]
	bands := 0
	for _, b := range Bands {
		if _, ok := idx[b]; ok {
			bands++
		}
	}
	return (code || name) && bands > 0
}

// RowError is one thing wrong with one row (census.RowError: the row
// number as a spreadsheet shows it, the column as the file names it, the
// value, the reason in Chinese).
type RowError = census.RowError

// Result is the report of an import.
type Result struct {
	FileName  string `json:"file_name"`
	Format    string `json:"format"`
	DryRun    bool   `json:"dry_run"`
	Committed bool   `json:"committed"`
	// Rows counts the data rows (blank rows skipped); Valid and Invalid
	// split them.
	Rows    int `json:"rows"`
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
	// Created counts nodes that get declared figures for the first time,
	// Updated nodes whose declared figures change, Unchanged nodes whose
	// declared figures stay as they are (a dry run: would).
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Derived counts the ancestor nodes whose sums were recomputed.
	Derived   int `json:"derived"`
	HeaderRow int `json:"header_row"`
	// Errors lists what is wrong, row by row.
	Errors []RowError `json:"errors"`
}

// Message sums the result up in one Chinese sentence.
func (r *Result) Message() string {
	switch {
	case r.Rows == 0:
		return "文件中没有数据行"
	case r.Invalid > 0 && r.DryRun:
		return fmt.Sprintf("共%d行，%d行有误（%d处错误），请修改后重新导入", r.Rows, r.Invalid, len(r.Errors))
	case r.Invalid > 0:
		return fmt.Sprintf("共%d行，%d行有误（%d处错误），未导入任何数据；请修改后重新导入", r.Rows, r.Invalid, len(r.Errors))
	case r.DryRun:
		return fmt.Sprintf("共%d行，全部无误：将新增%d个区划的人口数，更新%d个，%d个无变化", r.Rows, r.Created, r.Updated, r.Unchanged)
	}
	return fmt.Sprintf("已导入%d行：新增%d个区划的人口数，更新%d个，%d个无变化；重新汇总了%d个上级区划", r.Rows, r.Created, r.Updated, r.Unchanged, r.Derived)
}

// Options says how to run an import.
type Options struct {
	// DryRun checks every row and reports, writing nothing.
	DryRun bool
	// FileName is the file's name as the user knows it (default: the base
	// name of the path).
	FileName string
}

// Service imports the population table and lists it. It is safe for
// concurrent use.
type Service struct {
	db      *storage.DB
	regions *regions.Store
	// Limits bounds what an import reads (census.DefaultLimits).
	Limits census.Limits
}

// New returns the population service over db and the region tree rs.
func New(db *storage.DB, rs *regions.Store) *Service {
	return &Service{db: db, regions: rs, Limits: census.DefaultLimits()}
}

// MayImport says whether v may import population figures: the writers
// who may import region records in the census (census.Elders: a writer
// whose scope is a region, not a school or class).
func MayImport(v access.Viewer) bool { return v.CanWriteRegion() }

// row is one checked data row.
type row struct {
	num   int
	code  string
	year  int
	bands map[string]int
}

// ImportReader is Import of a file given as a stream: it is spooled to a
// temporary file (an .xlsx needs random access) of at most max bytes,
// removed afterwards.
func (s *Service) ImportReader(ctx context.Context, v access.Viewer, r io.Reader, max int64, opt Options) (*Result, error) {
	path, err := census.Spool(r, max)
	if err != nil {
		return nil, err
	}
	defer os.Remove(path)
	if opt.FileName == "" {
		opt.FileName = "人口数据"
	}
	return s.Import(ctx, v, path, opt)
}

// Import reads the population file at path (.xlsx or CSV, told apart by
// content): a 区划代码 or 区划名称 column, 年份, and one column per age
// band. It checks every row — the node known and inside v's scope, named
// once in the file, the year, every count a whole number from 0 to
// MaxCount — and reports every bad row. A dry run stops there; a commit
// writes, in one transaction, the declared figures of every node whose
// figures change (replacing the figures it had: importing the same file
// again changes nothing), an audit entry for each, and the sums of all
// their ancestors — or, if any row is bad, nothing at all. A file that
// cannot be read gives an errs.Invalid error saying why; a viewer who may
// not import errs.Forbidden.
func (s *Service) Import(ctx context.Context, v access.Viewer, path string, opt Options) (*Result, error) {
	if !MayImport(v) {
		return nil, errs.New(errs.Forbidden, "您无权导入人口数据")
	}
	if opt.FileName == "" {
		opt.FileName = path[strings.LastIndexAny(path, `/\`)+1:]
	}
	res := &Result{FileName: opt.FileName, DryRun: opt.DryRun, Errors: []RowError{}}
	rows, err := s.read(ctx, v, path, res)
	if err != nil {
		return nil, err
	}
	if opt.DryRun || res.Invalid > 0 || len(rows) == 0 {
		_, err := s.outcomes(ctx, s.db.Reader(), rows, res)
		return res, err
	}
	note := func(r row) string {
		return fmt.Sprintf("导入人口数据文件“%s”第%d行", res.FileName, r.num)
	}
	if err := s.commit(ctx, v, rows, res, note); err != nil {
		return nil, err
	}
	res.Committed = true
	return res, nil
}

// commit writes, in one transaction, the declared figures of the rows that
// change their node's, an audit entry for each (with note), and the sums
// of their ancestors; it counts the outcomes in res.
func (s *Service) commit(ctx context.Context, v access.Viewer, rows []row, res *Result, note func(row) string) error {
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		// Imports run one after another: each recomputes sums up to all
		// of China, which another import's sums must not interleave with.
		if err := tx.Serialize(ctx, lockKey); err != nil {
			return errs.Wrap(err, "population: lock")
		}
		res.Created, res.Updated, res.Unchanged, res.Derived = 0, 0, 0, 0
		changed, err := s.outcomes(ctx, tx, rows, res)
		if err != nil {
			return err
		}
		var codes []string
		for _, c := range changed {
			if err := declare(ctx, tx, c.row.code, c.row.year, c.row.bands, v.Username); err != nil {
				return err
			}
			action := audit.ActionUpdate
			if !c.old.Declared {
				action = audit.ActionCreate
			}
			if err := audit.Record(ctx, tx, v, audit.Entry{Action: action, RecordType: RecordType, RecordID: c.row.code,
				Changes: changes(c.old, c.row), Note: note(c.row)}); err != nil {
				return err
			}
			codes = append(codes, c.row.code)
		}
		res.Derived = len(ancestorsOf(codes))
		return rederive(ctx, tx, codes, v.Username)
	})
}

// Declaration is one node's figures, as a row of a population file gives
// them.
type Declaration struct {
	// Code is the node's code (short or 12 digits).
	Code string
	Year int
	// Bands holds the children of every age band (keys of Bands).
	Bands map[string]int
}

// Declare writes declared figures given in code rather than in a file
// (demonstration data, other programs), as a commit of a file holding them
// would: every declaration checked by the same rules — inside v's scope,
// each node once, every band given — and written with its audit entry
// (noted with note) and the sums of its ancestors in one transaction, or,
// if any is bad, nothing and an errs.Invalid error naming it. It returns
// what it did.
func (s *Service) Declare(ctx context.Context, v access.Viewer, ds []Declaration, note string) (*Result, error) {
	if !MayImport(v) {
		return nil, errs.New(errs.Forbidden, "您无权导入人口数据")
	}
	res := &Result{FileName: note, Errors: []RowError{}}
	last := s.db.Now().Year() + 1
	seen := map[string]bool{}
	rows := make([]row, 0, len(ds))
	for i, d := range ds {
		bad := func(why string) error {
			return errs.Newf(errs.Invalid, "第%d项（区划%s）：%s", i+1, d.Code, why)
		}
		code, err := regions.Normalize(d.Code)
		if err != nil || code == regions.Root {
			return nil, bad("区划代码无效")
		}
		if _, why, err := regionOf(ctx, s.regions, code); err != nil {
			return nil, err
		} else if why != "" {
			return nil, bad(why)
		}
		switch {
		case !v.InRegion(code):
			return nil, bad(outOfScope(code))
		case seen[code]:
			return nil, bad("重复的区划")
		case d.Year < MinYear || d.Year > last:
			return nil, bad(fmt.Sprintf("年份应在%d至%d之间", MinYear, last))
		}
		seen[code] = true
		r := row{num: i + 1, code: code, year: d.Year, bands: map[string]int{}}
		for _, b := range Bands {
			n, ok := d.Bands[b]
			if !ok || n < 0 || n > MaxCount {
				return nil, bad(fmt.Sprintf("%s的儿童人数应为0至%d的整数", BandLabel(b), MaxCount))
			}
			r.bands[b] = n
		}
		rows = append(rows, r)
	}
	res.Rows, res.Valid = len(rows), len(rows)
	if err := s.commit(ctx, v, rows, res, func(row) string { return note }); err != nil {
		return nil, err
	}
	res.Committed = true
	return res, nil
}

// change is a row whose node's declared figures it changes.
type change struct {
	row row
	old Figures
}

// outcomes counts what the rows do (created, updated, unchanged) reading
// through q, and returns the rows that change their node's figures.
func (s *Service) outcomes(ctx context.Context, q storage.Querier, rows []row, res *Result) ([]change, error) {
	var out []change
	for _, r := range rows {
		old, err := Get(ctx, q, r.code)
		if err != nil {
			return nil, err
		}
		switch {
		case old.Declared && old.Year == r.year && maps.Equal(old.Bands, r.bands):
			res.Unchanged++
			continue
		case old.Declared:
			res.Updated++
		default:
			res.Created++
		}
		out = append(out, change{row: r, old: old})
	}
	return out, nil
}

// changes lists what a row changes of a node's declared figures, for the
// audit log.
func changes(old Figures, r row) []audit.Change {
	str := func(known bool, n int) string {
		if !known {
			return ""
		}
		return strconv.Itoa(n)
	}
	var out []audit.Change
	if !old.Declared || old.Year != r.year {
		out = append(out, audit.Change{Field: "年份", Old: str(old.Declared, old.Year), New: strconv.Itoa(r.year)})
	}
	for _, b := range Bands {
		o, had := old.Bands[b]
		if !old.Declared || !had || o != r.bands[b] {
			out = append(out, audit.Change{Field: BandLabel(b), Old: str(old.Declared && had, o), New: strconv.Itoa(r.bands[b])})
		}
	}
	return out
}

// read reads and checks the file's rows, recording bad ones in res.
func (s *Service) read(ctx context.Context, v access.Viewer, path string, res *Result) ([]row, error) {
	t, err := census.OpenTable(path, s.Limits, recognise)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	res.Format = t.Format()
	var idx map[string]int
	var header []string
	for range 10 {
		cells, n, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if !recognise(cells) {
			continue
		}
		var dup []string
		idx, dup = matchHeader(cells)
		if len(dup) > 0 {
			return nil, errs.Newf(errs.Invalid, "第%d行（表头）有重复的列：%s", n, strings.Join(dup, "、"))
		}
		res.HeaderRow, header = n, cells
		break
	}
	if idx == nil {
		return nil, errs.New(errs.Invalid, "没有找到可以识别的表头：第一行应是列名“区划代码”（或“区划名称”）“年份”“0-5岁”“6-11岁”“12-14岁”“15-17岁”（可下载人口数据导入模板对照）")
	}
	var missing []string
	for _, f := range append([]string{fieldYear}, Bands...) {
		if _, ok := idx[f]; !ok {
			missing = append(missing, "“"+Headers[f]+"”")
		}
	}
	if len(missing) > 0 {
		return nil, errs.Newf(errs.Invalid, "表头（第%d行）中缺少%s列：每行须填写年份和四个年龄段的儿童人数", res.HeaderRow, strings.Join(missing, "、"))
	}
	rv := newResolver(s.regions, v)
	now := s.db.Now()
	seen := map[string]int{}
	var rows []row
	for {
		cells, n, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if blank(cells) {
			continue
		}
		res.Rows++
		if res.Rows > s.Limits.MaxRows {
			return nil, errs.Newf(errs.Invalid, "文件超过%d行，请分成几个文件导入", s.Limits.MaxRows)
		}
		var bad []RowError
		fail := func(field, value, why string) {
			col := Headers[field]
			if i, ok := idx[field]; ok && i < len(header) && strings.TrimSpace(header[i]) != "" {
				col = strings.TrimSpace(header[i])
			}
			bad = append(bad, RowError{Row: n, Column: col, Value: value, Reason: why})
		}
		get := func(field string) string {
			i, ok := idx[field]
			if !ok || i >= len(cells) {
				return ""
			}
			v := strings.TrimSpace(cells[i])
			if len(v) > s.Limits.MaxCell {
				v = v[:s.Limits.MaxCell]
			}
			return v
		}
		r := row{num: n, bands: map[string]int{}}
		code, name := get(fieldCode), get(fieldName)
		switch {
		case code != "":
			c, err := regions.Normalize(code)
			if err != nil || c == regions.Root {
				fail(fieldCode, code, "区划代码应为2、4、6、9或12位数字的统计用区划代码，如530524107000")
				break
			}
			reg, why, err := regionOf(ctx, s.regions, c)
			if err != nil {
				return nil, err
			}
			switch {
			case why != "":
				fail(fieldCode, code, why)
			case !v.InRegion(c):
				fail(fieldCode, code, outOfScope(c))
			default:
				r.code = c
				if name != "" {
					ok, err := rv.matches(ctx, name, reg)
					if err != nil {
						return nil, err
					}
					if !ok {
						fail(fieldName, name, fmt.Sprintf("与区划代码%s（%s）不符", c, reg.Name))
					}
				}
			}
		case name != "":
			rz, err := rv.byName(ctx, name)
			if err != nil {
				return nil, err
			}
			if rz.code == "" {
				fail(fieldName, name, rz.why)
			} else {
				r.code = rz.code
			}
		default:
			field := fieldCode
			if _, ok := idx[fieldCode]; !ok {
				field = fieldName
			}
			fail(field, "", "请填写区划代码或区划名称")
		}
		if r.code != "" {
			if first, dup := seen[r.code]; dup {
				field, value := fieldCode, code
				if code == "" {
					field, value = fieldName, name
				}
				fail(field, value, fmt.Sprintf("与第%d行是同一个区划（%s），每个区划只能有一行", first, r.code))
			} else {
				seen[r.code] = n
			}
		}
		r.year = parseYear(get(fieldYear), now, func(why string) { fail(fieldYear, get(fieldYear), why) })
		for _, b := range Bands {
			val := get(b)
			n, why := parseCount(val)
			if why != "" {
				fail(b, val, why)
				continue
			}
			r.bands[b] = n
		}
		if len(bad) > 0 {
			res.Invalid++
			res.Errors = append(res.Errors, bad...)
			continue
		}
		res.Valid++
		rows = append(rows, r)
	}
	return rows, nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

var countCleaner = strings.NewReplacer(",", "", "，", "", " ", "", "\u00a0", "", "人", "")

var wholeRe = regexp.MustCompile(`^[0-9]+$`)

// parseCount reads a number of children; why says what is wrong.
func parseCount(s string) (int, string) {
	c := countCleaner.Replace(s)
	switch {
	case c == "":
		return 0, "请填写儿童人数（没有则填0）"
	case strings.HasPrefix(c, "-") || strings.HasPrefix(c, "－"):
		if f, err := strconv.ParseFloat(strings.Replace(c, "－", "-", 1), 64); err == nil && f == 0 {
			return 0, ""
		}
		return 0, "儿童人数不能为负数"
	case wholeRe.MatchString(c):
		n, err := strconv.Atoi(c)
		if err != nil || n > MaxCount {
			return 0, fmt.Sprintf("儿童人数超过了%d的上限，请核对", MaxCount)
		}
		return n, ""
	}
	// Excel may hold a whole number as 1234.0 or 1.234E3.
	f, err := strconv.ParseFloat(c, 64)
	switch {
	case err != nil:
		return 0, "儿童人数应为整数"
	case f != float64(int64(f)):
		return 0, "儿童人数应为整数，不能有小数"
	case f > MaxCount:
		return 0, fmt.Sprintf("儿童人数超过了%d的上限，请核对", MaxCount)
	}
	return int(f), ""
}

// parseYear reads the year of a row, calling fail when it is bad.
func parseYear(s string, now time.Time, fail func(why string)) int {
	c := strings.TrimSuffix(strings.TrimSpace(s), "年")
	if f, err := strconv.ParseFloat(c, 64); err == nil && f == float64(int(f)) {
		c = strconv.Itoa(int(f))
	}
	y, err := strconv.Atoi(c)
	last := now.Year() + 1
	switch {
	case s == "":
		fail("请填写数据所属的年份，如2024")
	case err != nil:
		fail("年份应为四位数字，如2024")
	case y < MinYear || y > last:
		fail(fmt.Sprintf("年份应在%d至%d之间", MinYear, last))
	default:
		return y
	}
	return 0
}
