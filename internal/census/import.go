// Package census moves the census in and out of guanai as spreadsheets:
// import of children and elders from .xlsx and .csv files (dry run with a
// row-by-row report, or an all-or-nothing commit), the templates to fill
// in, and exports of the children, elders and schools lists. The rules of
// every field are the registration forms' own (packages children and
// elders); this package reads and writes the files, resolves place and
// school names, and runs the import as one pipeline over the file, which
// it never holds whole in memory.
package census

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"guanai/internal/access"
	"guanai/internal/app"
	"guanai/internal/care"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/errs"
	"guanai/internal/regions"
	"guanai/internal/schools"
	"guanai/internal/storage"
	"guanai/internal/vault"
)

// Service imports and exports census files. It is safe for concurrent use.
type Service struct {
	db       *storage.DB
	vault    *vault.Vault
	regions  *regions.Store
	children *children.Store
	elders   *elders.Store
	schools  *schools.Store
	care     *care.Store
	// Limits bounds what an import reads; DefaultLimits unless changed.
	Limits Limits
}

// New returns the census service of a running guanai.
func New(a *app.App) *Service {
	return &Service{db: a.DB, vault: a.Vault, regions: a.Regions, children: a.Children, elders: a.Elders, schools: a.Schools, care: a.Care, Limits: DefaultLimits()}
}

// Options says how to run an import.
type Options struct {
	// DryRun checks every row and reports, writing nothing.
	DryRun bool
	// FileName is the file's name as the user knows it, for the report and
	// the audit log (default: the base name of the path).
	FileName string
	// Progress, when set, is called as the import goes on (after each
	// chunk of rows, from the importing goroutine): keep it quick.
	Progress func(Progress)
}

// Progress is how far an import is.
type Progress struct {
	// Rows is how many data rows have been checked.
	Rows int `json:"rows"`
	// Invalid is how many of them have errors.
	Invalid int `json:"invalid"`
	// Done and Total measure the reading of the file (bytes of a CSV file,
	// rows of a worksheet); Total is 0 when unknown.
	Done  int64 `json:"done"`
	Total int64 `json:"total"`
	// Elapsed is the time since the import started.
	Elapsed time.Duration `json:"-"`
}

// Fraction returns how much of the file has been read, 0–1, or -1 when
// unknown.
func (p Progress) Fraction() float64 {
	if p.Total <= 0 {
		return -1
	}
	return min(1, float64(p.Done)/float64(p.Total))
}

// RowError is one thing wrong with one row: the row number as the
// spreadsheet program shows it (the header is row 1 or below), the column
// as the file names it, the value found and the reason, in Chinese.
type RowError struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// String returns the error as one line: 第5行“身份证号码”（…）：reason.
func (e RowError) String() string {
	if e.Value != "" {
		return fmt.Sprintf("第%d行“%s”（%s）：%s", e.Row, e.Column, e.Value, e.Reason)
	}
	return fmt.Sprintf("第%d行“%s”：%s", e.Row, e.Column, e.Reason)
}

// Result is the report of an import.
type Result struct {
	Kind      Kind   `json:"kind"`
	FileName  string `json:"file_name"`
	Format    string `json:"format"` // e.g. "CSV（GB18030）"
	SHA256    string `json:"sha256"`
	DryRun    bool   `json:"dry_run"`
	Committed bool   `json:"committed"`
	// Rows counts the data rows (blank rows are skipped); Valid and
	// Invalid split them.
	Rows    int `json:"rows"`
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
	// Created, Updated and Unchanged say what the valid rows do (a dry
	// run: would do).
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// HeaderRow is the row the column names were found on.
	HeaderRow int `json:"header_row"`
	// Columns are the file's column names, in order.
	Columns []string `json:"columns"`
	// UnknownColumns are columns the importer does not know; their values
	// are not imported.
	UnknownColumns []string `json:"unknown_columns"`
	// Errors lists what is wrong, row by row (at most MaxErrors entries);
	// ErrorCount counts them all.
	Errors     []RowError `json:"errors"`
	ErrorCount int        `json:"error_count"`
	Seconds    float64    `json:"seconds"`

	outcomes []byte // by file row: 0 blank/header, 'E' error, 'N' new, 'U' update, '=' unchanged
	sheet    string
}

// MaxErrors bounds the row errors a Result keeps.
const MaxErrors = 100_000

// Message sums the result up in one Chinese sentence.
func (r *Result) Message() string {
	switch {
	case r.Rows == 0:
		return "文件中没有数据行"
	case r.Invalid > 0 && r.DryRun:
		return fmt.Sprintf("共%d行，%d行有误（%d处错误），请下载报告修改后重新导入", r.Rows, r.Invalid, r.ErrorCount)
	case r.Invalid > 0:
		return fmt.Sprintf("共%d行，%d行有误（%d处错误），未导入任何记录；请下载报告修改后重新导入", r.Rows, r.Invalid, r.ErrorCount)
	case r.DryRun:
		return fmt.Sprintf("共%d行，全部无误：将新登记%d条，更新%d条，%d条无变化", r.Rows, r.Created, r.Updated, r.Unchanged)
	}
	return fmt.Sprintf("已导入%d行：新登记%d条，更新%d条，%d条无变化", r.Rows, r.Created, r.Updated, r.Unchanged)
}

// errRejected rolls back a commit that found bad rows.
var errRejected = errors.New("census: rows rejected")

// chunkRows is how many rows are checked and written together.
const chunkRows = 1000

// Spool copies an upload to a temporary file (an .xlsx needs random
// access) and returns its path; the caller removes it. More than max bytes
// (0: no limit) is refused with errs.Invalid, a broken upload with
// errs.BadRequest.
func Spool(r io.Reader, max int64) (string, error) {
	f, err := os.CreateTemp("", "guanai-import-*")
	if err != nil {
		return "", errs.Wrap(err, "spool import")
	}
	name := f.Name()
	src := r
	if max > 0 {
		src = io.LimitReader(r, max+1)
	}
	n, err := io.Copy(f, src)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", errs.New(errs.BadRequest, "上传的文件没有完整收到，请重试")
	}
	if max > 0 && n > max {
		os.Remove(name)
		return "", errs.Newf(errs.Invalid, "文件超过 %d MB 的上限：请分成几个文件导入", max>>20)
	}
	return name, nil
}

// ImportReader is Import of a file given as a stream: Spool, then Import.
// It returns the spooled file's path too (for WriteReport or SaveReport);
// the caller removes it. On error nothing is left behind.
func (s *Service) ImportReader(ctx context.Context, v access.Viewer, k Kind, r io.Reader, max int64, opt Options) (*Result, string, error) {
	name, err := Spool(r, max)
	if err != nil {
		return nil, "", err
	}
	res, err := s.Import(ctx, v, k, name, opt)
	if err != nil {
		os.Remove(name)
		return nil, "", err
	}
	return res, name, nil
}

// Import reads the census file at path (.xlsx or .csv, told apart by
// content) of kind k (Children or Elders) for viewer v, and checks every
// row by the registration form's rules, the place and school names inside
// v's scope, duplicates inside the file and the match with records already
// registered (by ID number). A dry run stops there. A commit writes the
// whole file in one transaction — new records, changed records updated
// (their history and audit entries written), unchanged ones left alone —
// or, if any row is bad, nothing at all; either way the Result lists every
// bad row. A file that cannot be read at all gives an errs.Invalid error
// saying why; a viewer who may not register records errs.Forbidden.
func (s *Service) Import(ctx context.Context, v access.Viewer, k Kind, path string, opt Options) (*Result, error) {
	start := time.Now()
	if opt.FileName == "" {
		opt.FileName = baseName(path)
	}
	res := &Result{Kind: k, FileName: opt.FileName, DryRun: opt.DryRun, Columns: []string{}, UnknownColumns: []string{}, Errors: []RowError{}}
	sum, err := fileSHA256(path)
	if err != nil {
		return nil, err
	}
	res.SHA256 = sum
	now := s.db.Now()
	run := func(q storage.Querier, tx *storage.Tx) error {
		var b batch
		var err error
		switch k {
		case Children:
			b, err = s.newChildBatch(v, now)
		case Elders:
			b, err = s.newElderBatch(v, now)
		case CareTeams:
			b, err = s.newCareBatch(v, now)
		default:
			return errs.Newf(errs.Invalid, "不能导入“%s”", k)
		}
		if err != nil {
			return err
		}
		if err := s.pipeline(ctx, v, k, path, q, tx, b, res, opt, start); err != nil {
			return err
		}
		if tx == nil {
			return nil
		}
		if res.Invalid > 0 {
			return errRejected
		}
		return b.finish(ctx, tx, fmt.Sprintf("文件“%s”（SHA-256 %s）", res.FileName, res.SHA256[:16]))
	}
	if opt.DryRun {
		err = run(s.db.Reader(), nil)
	} else {
		err = s.db.Write(ctx, func(tx *storage.Tx) error {
			if err := tx.BulkMode(ctx); err != nil {
				return errs.Wrap(err, "import")
			}
			return run(tx, tx)
		})
		res.Committed = err == nil && res.Rows > 0
		if errors.Is(err, errRejected) {
			err = nil
		}
	}
	if err != nil {
		return nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", errs.Wrap(err, "open import file")
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", errs.Wrap(err, "read import file")
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// prepared is a row checked by a registry's rules.
type prepared interface {
	IDNumber() string
	Errors() errs.FieldErrors
	Outcome() children.Outcome
	SetError(field, msg string)
}

// batch is one registry's side of an import.
type batch interface {
	prepare(ctx context.Context, c *cells) (prepared, error)
	check(ctx context.Context, q storage.Querier, ps []prepared, absent []string) error
	write(ctx context.Context, tx *storage.Tx, ps []prepared) error
	finish(ctx context.Context, tx *storage.Tx, what string) error
	counts() (created, updated, unchanged int)
}

// cells is one data row with its columns found by field.
type cells struct {
	row    int
	values []string
	idx    map[string]int
	errs   map[string]string // census-level errors by field
	places *places
	lim    Limits
}

// get returns the cell of field, trimmed, with formula neutralisation
// undone; ok is false when the file has no such column.
func (c *cells) get(field string) (string, bool) {
	i, ok := c.idx[field]
	if !ok {
		return "", false
	}
	if i >= len(c.values) {
		return "", true
	}
	v := strings.TrimSpace(unneutralise(strings.TrimSpace(c.values[i])))
	return v, true
}

func (c *cells) str(field string) string {
	v, _ := c.get(field)
	return v
}

func (c *cells) fail(field, msg string) {
	if _, ok := c.errs[field]; !ok {
		c.errs[field] = msg
	}
}

var (
	sciRe   = regexp.MustCompile(`^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$`)
	serRe   = regexp.MustCompile(`^[0-9]{1,7}(\.[0-9]+)?$`)
	zerosRe = regexp.MustCompile(`^[0-9]{15}000$`)
)

// idNumber reads an ID number cell, explaining the ways spreadsheets spoil
// them.
func (c *cells) idNumber(field string) string {
	v := c.str(field)
	switch {
	case sciRe.MatchString(v):
		c.fail(field, "身份证号码显示为“"+v+"”：Excel 把它当作数字保存，后几位已经丢失。请把该列设为“文本”格式，重新填写完整的18位号码")
	case strings.Contains(v, "*"):
		c.fail(field, "身份证号码已打码（导出时没有选择显示完整号码），无法据此导入：请填写完整的18位号码")
	}
	return v
}

// date reads a date cell: text as written, or an Excel serial number.
func (c *cells) date(field string) string {
	v := c.str(field)
	if serRe.MatchString(v) && len(v) <= 7 && !strings.HasPrefix(v, "0") {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 1 && f < 2958466 {
			if t, err := excelize.ExcelDateToTime(f, false); err == nil {
				return t.Format("2006-01-02")
			}
		}
	}
	if d, _, ok := strings.Cut(v, " "); ok && len(d) >= 8 {
		return d // "2015/3/8 0:00:00"
	}
	return v
}

// place resolves the row's village: its code, or its names inside the
// viewer's scope.
func (c *cells) place(ctx context.Context) (string, error) {
	code := c.str(fieldCode)
	county, township, village := c.str(fieldCounty), c.str(fieldTownship), c.str(fieldVillage)
	var r resolved
	var err error
	switch {
	case code != "":
		norm, nerr := regions.Normalize(code)
		if nerr != nil {
			return code, nil // the form's rule says what is wrong
		}
		r, err = c.places.checkNames(ctx, norm, county, township, village)
	case county != "" || township != "" || village != "":
		r, err = c.places.byNames(ctx, county, township, village)
	default:
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if r.why != "" {
		c.fail(r.field, r.why)
		return code, nil
	}
	return r.code, nil
}

// pipeline reads the file and checks (and, given tx, writes) its rows:
// one goroutine reads, GOMAXPROCS workers apply the form's rules, and this
// goroutine checks against the database and writes, chunk by chunk in file
// order.
func (s *Service) pipeline(ctx context.Context, v access.Viewer, k Kind, path string, q storage.Querier, tx *storage.Tx, b batch, res *Result, opt Options, start time.Time) error {
	sh, fm, err := openSheet(path, k, s.Limits)
	if err != nil {
		return err
	}
	defer sh.Close()
	res.Format = fm.describe()
	res.sheet = fm.Sheet
	idx, absent, err := s.header(sh, k, res)
	if err != nil {
		return err
	}
	pl := s.places(v)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type chunk struct {
		seq  int
		rows []*cells
		ps   []prepared
		err  error
	}
	in := make(chan *chunk, 2)
	out := make(chan *chunk, 2)
	var readErr error
	var readDone, readTotal int64
	var progMu sync.Mutex
	go func() {
		defer close(in)
		seq := 0
		cur := &chunk{seq: seq}
		for {
			vals, row, err := sh.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				readErr = err
				return
			}
			if blank(vals) {
				continue
			}
			cur.rows = append(cur.rows, &cells{row: row, values: vals, idx: idx, errs: map[string]string{}, places: pl, lim: s.Limits})
			if len(cur.rows) == chunkRows {
				progMu.Lock()
				readDone, readTotal = sh.Progress()
				progMu.Unlock()
				select {
				case in <- cur:
				case <-ctx.Done():
					return
				}
				seq++
				cur = &chunk{seq: seq}
			}
		}
		progMu.Lock()
		readDone, readTotal = sh.Progress()
		progMu.Unlock()
		if len(cur.rows) > 0 {
			select {
			case in <- cur:
			case <-ctx.Done():
			}
		}
	}()
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ch := range in {
				ch.ps = make([]prepared, len(ch.rows))
				for i, c := range ch.rows {
					for j, val := range c.values {
						if len(val) > s.Limits.MaxCell {
							c.values[j] = val[:s.Limits.MaxCell]
							c.fail("", fmt.Sprintf("第%d列的内容超过%d字节", j+1, s.Limits.MaxCell))
						}
					}
					p, err := b.prepare(ctx, c)
					if err != nil {
						ch.err = err
						break
					}
					for f, msg := range c.errs {
						if f != "" {
							p.SetError(f, msg)
						}
					}
					ch.ps[i] = p
				}
				select {
				case out <- ch:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()

	// Writes run in a goroutine of their own, in file order, so that the
	// database loads one batch while the next is checked (the checks read
	// through the read pool: the rows of this file that are written but
	// not committed are told apart by the in-file duplicate check). The
	// queue holds more than a bulk batch (10,000 rows on PostgreSQL), so
	// that the next batch is ready when the database is done with one.
	writing := tx != nil
	writes := make(chan []prepared, 12)
	var writeErr error
	writeDone := make(chan struct{})
	go func() {
		defer close(writeDone)
		for ps := range writes {
			if writeErr == nil {
				if err := b.write(ctx, tx, ps); err != nil {
					writeErr = err
					cancel()
				}
			}
		}
	}()
	defer func() {
		if writes != nil {
			close(writes)
			<-writeDone
		}
	}()
	if tx != nil {
		q = s.db.Reader()
	}
	seen := map[uint64]int32{}
	pending := map[int]*chunk{}
	next := 0
	for ch := range out {
		pending[ch.seq] = ch
		for {
			ch, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if ch.err != nil {
				return ch.err
			}
			for i, p := range ch.ps {
				if key, ok := idKey(p.IDNumber()); ok && len(p.Errors()) == 0 {
					if first, dup := seen[key]; dup {
						p.SetError("id_number", fmt.Sprintf("与第%d行的身份证号码重复", first))
					} else {
						seen[key] = int32(ch.rows[i].row)
					}
				}
			}
			if err := b.check(ctx, q, ch.ps, absent); err != nil {
				return err
			}
			for i, p := range ch.ps {
				s.record(k, res, ch.rows[i], p)
			}
			if writing && res.Invalid > 0 {
				writing = false // the commit will be rolled back: stop writing
			}
			if writing {
				select {
				case writes <- ch.ps:
				case <-writeDone:
				}
			}
			if opt.Progress != nil {
				progMu.Lock()
				d, t := readDone, readTotal
				progMu.Unlock()
				opt.Progress(Progress{Rows: res.Rows, Invalid: res.Invalid, Done: d, Total: t, Elapsed: time.Since(start)})
			}
		}
	}
	close(writes)
	<-writeDone
	writes = nil
	if writeErr != nil {
		return writeErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if readErr != nil {
		return readErr
	}
	res.Created, res.Updated, res.Unchanged = b.counts()
	if tx == nil || res.Invalid > 0 {
		// A dry run (or a rejected commit) counts what would be done.
		res.Created, res.Updated, res.Unchanged = 0, 0, 0
		for _, o := range res.outcomes {
			switch o {
			case 'N':
				res.Created++
			case 'U':
				res.Updated++
			case '=':
				res.Unchanged++
			}
		}
	}
	return nil
}

// idKey packs the first 17 digits of a valid ID number (the 18th follows
// from them) into a map key.
func idKey(id string) (uint64, bool) {
	if len(id) != 18 {
		return 0, false
	}
	n, err := strconv.ParseUint(id[:17], 10, 64)
	return n, err == nil
}

func blank(vals []string) bool {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// header finds the header row (the first among the first ten rows that
// names at least two known columns: a title row above it is skipped),
// matches its columns and returns the fields the file leaves out.
func (s *Service) header(sh sheet, k Kind, res *Result) (map[string]int, []string, error) {
	for range 10 {
		vals, row, err := sh.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		idx, unknown, dup := matchHeaders(k, vals)
		if len(idx) < 2 {
			continue
		}
		if len(dup) > 0 {
			return nil, nil, errs.Newf(errs.Invalid, "第%d行（表头）有重复的列：%s", row, strings.Join(dup, "、"))
		}
		if _, ok := idx["id_number"]; !ok {
			return nil, nil, errs.Newf(errs.Invalid, "表头（第%d行）中没有“身份证号码”列：导入按身份证号码识别每个人，必须有这一列", row)
		}
		res.HeaderRow = row
		for _, h := range vals {
			res.Columns = append(res.Columns, strings.TrimSpace(h))
		}
		res.UnknownColumns = append(res.UnknownColumns, unknown...)
		for f := range idx {
			if c := columnOf(k, f); c.Derived {
				delete(idx, f)
			}
		}
		return idx, absentFields(k, idx), nil
	}
	return nil, nil, errs.Newf(errs.Invalid, "没有找到可以识别的表头：第一行应是列名，如“身份证号码”“姓名”“性别”（可下载%s导入模板对照）", k.Label())
}

// absentFields lists the form fields a file with these columns leaves out.
func absentFields(k Kind, idx map[string]int) []string {
	has := func(f string) bool { _, ok := idx[f]; return ok }
	var out []string
	for _, c := range columnsOf(k) {
		switch c.Field {
		case fieldCounty, fieldTownship, fieldVillage, fieldSchool, fieldClass, fieldGrade:
			continue
		case fieldCode:
			if !has(fieldCode) && !has(fieldVillage) {
				out = append(out, fieldCode)
			}
			continue
		}
		if !c.Derived && !has(c.Field) {
			out = append(out, c.Field)
		}
	}
	if k == Children {
		if !has(fieldSchool) {
			out = append(out, "school_id")
		}
		if !has(fieldClass) {
			out = append(out, "class_id")
		}
		if !has(fieldGrade) {
			out = append(out, "grade")
		}
	}
	return out
}

// record adds a checked row to the result: its outcome and its errors,
// each named by the file's own column header.
func (s *Service) record(k Kind, res *Result, c *cells, p prepared) {
	res.Rows++
	for len(res.outcomes) <= c.row {
		res.outcomes = append(res.outcomes, 0)
	}
	fe := p.Errors()
	if msg, ok := c.errs[""]; ok {
		fe = copyFields(fe)
		fe["notes"] = msg
	}
	for _, f := range []string{fieldCounty, fieldTownship, fieldVillage} {
		if _, ok := fe[f]; ok && fe["village_code"] != "" && !strings.Contains(fe["village_code"], "管辖") {
			// The names did not resolve: "no village given" says nothing more.
			fe = copyFields(fe)
			delete(fe, "village_code")
			break
		}
	}
	if len(fe) == 0 {
		res.Valid++
		switch p.Outcome() {
		case children.OutcomeNew:
			res.outcomes[c.row] = 'N'
		case children.OutcomeUpdate:
			res.outcomes[c.row] = 'U'
		case children.OutcomeUnchanged:
			res.outcomes[c.row] = '='
		}
		return
	}
	res.Invalid++
	res.outcomes[c.row] = 'E'
	var errsOfRow []RowError
	for field, msg := range fe {
		col, value := s.columnFor(k, res, c, field)
		if field == "id_number" && zerosRe.MatchString(value) && !strings.Contains(msg, "Excel") {
			msg += "（号码以000结尾：可能是 Excel 把它当作数字保存而丢失了后几位，请把该列设为“文本”格式后重新填写）"
		}
		errsOfRow = append(errsOfRow, RowError{Row: c.row, Column: col, Value: value, Reason: msg})
	}
	order := map[string]int{}
	for i, h := range res.Columns {
		if _, ok := order[h]; !ok {
			order[h] = i
		}
	}
	sort.Slice(errsOfRow, func(i, j int) bool {
		oi, iok := order[errsOfRow[i].Column]
		oj, jok := order[errsOfRow[j].Column]
		if iok != jok {
			return iok
		}
		if oi != oj {
			return oi < oj
		}
		return errsOfRow[i].Reason < errsOfRow[j].Reason
	})
	res.ErrorCount += len(errsOfRow)
	for _, e := range errsOfRow {
		if len(res.Errors) < MaxErrors {
			res.Errors = append(res.Errors, e)
		}
	}
}

func copyFields(fe errs.FieldErrors) errs.FieldErrors {
	out := errs.FieldErrors{}
	for k, v := range fe {
		out[k] = v
	}
	return out
}

// columnFor names the column a field error belongs to, as the file names
// it, with the row's value there.
func (s *Service) columnFor(k Kind, res *Result, c *cells, field string) (string, string) {
	candidates := []string{field}
	switch field {
	case "village_code":
		candidates = []string{fieldCode, fieldVillage, fieldTownship, fieldCounty}
	case "school_id":
		candidates = []string{fieldSchool}
	case "class_id":
		candidates = []string{fieldClass}
	case "notes":
		if _, ok := c.errs[""]; ok {
			return "（整行）", ""
		}
	}
	for _, f := range candidates {
		if i, ok := c.idx[f]; ok && i < len(res.Columns) {
			v := ""
			if i < len(c.values) {
				v = strings.TrimSpace(c.values[i])
			}
			if utf8.RuneCountInString(v) > 60 {
				v = string([]rune(v)[:60]) + "…"
			}
			return res.Columns[i], v
		}
	}
	col := columnOf(k, candidates[0])
	if col.Header == candidates[0] {
		switch field {
		case "school_id":
			return "就读学校", ""
		case "class_id":
			return "班级", ""
		}
	}
	return col.Header + "（文件中没有此列）", ""
}

// --- children

type childBatch struct {
	s    *Service
	v    access.Viewer
	now  time.Time
	b    *children.ImportBatch
	mu   sync.Mutex
	memo map[string]schoolHit
}

type schoolHit struct {
	id      string
	why     string
	classes []schools.Class
}

func (s *Service) newChildBatch(v access.Viewer, now time.Time) (batch, error) {
	b, err := s.children.NewImportBatch(v, now)
	if err != nil {
		return nil, err
	}
	return &childBatch{s: s, v: v, now: now, b: b, memo: map[string]schoolHit{}}, nil
}

func (cb *childBatch) prepare(ctx context.Context, c *cells) (prepared, error) {
	in := children.Input{
		IDNumber:            c.idNumber("id_number"),
		Name:                c.str("name"),
		Sex:                 c.str("sex"),
		BirthDate:           c.date("birth_date"),
		Ethnicity:           c.str("ethnicity"),
		Hukou:               strings.TrimSuffix(strings.TrimSuffix(c.str("hukou"), "户籍"), "户口"),
		FatherStatus:        parentStatus(c.str("father_status")),
		FatherAwayPlace:     c.str("father_away_place"),
		FatherPhone:         c.str("father_phone"),
		MotherStatus:        parentStatus(c.str("mother_status")),
		MotherAwayPlace:     c.str("mother_away_place"),
		MotherPhone:         c.str("mother_phone"),
		GuardianName:        c.str("guardian_name"),
		GuardianRelation:    c.str("guardian_relation"),
		GuardianPhone:       c.str("guardian_phone"),
		GuardianIDNumber:    c.idNumber("guardian_id_number"),
		GuardianEntrustedOn: c.date("guardian_entrusted_on"),
		HealthFlags:         codesOf(c.str("health_flags"), children.HealthFlags, children.HealthFlagLabel),
		Disability:          codeOf(strings.TrimPrefix(c.str("disability"), "无"), children.Disabilities, children.DisabilityLabel),
		Difficulty:          codesOf(c.str("difficulty"), children.Difficulties, children.DifficultyLabel),
		Notes:               c.str("notes"),
	}
	var ok bool
	if in.GuardianEntrusted, ok = parseBool(c.str("guardian_entrusted")); !ok {
		c.fail("guardian_entrusted", "委托监护应填“是”或“否”")
	}
	if in.Migrant, ok = parseBool(c.str("migrant")); !ok {
		c.fail("migrant", "流动儿童应填“是”或“否”")
	}
	if g, ok := parseGrade(c.str(fieldGrade)); ok {
		in.Grade = g
	} else {
		c.fail("grade", "年级“"+c.str(fieldGrade)+"”无效，应为学前班、一年级……高三")
	}
	code, err := c.place(ctx)
	if err != nil {
		return nil, err
	}
	in.VillageCode = code
	if name := c.str(fieldSchool); name != "" {
		hit, err := cb.school(ctx, name)
		if err != nil {
			return nil, err
		}
		if hit.why != "" {
			c.fail("school_id", hit.why)
		}
		in.SchoolID = hit.id
		if class := c.str(fieldClass); class != "" && hit.id != "" {
			for _, cl := range hit.classes {
				if cl.Name == class && cl.Grade == in.Grade {
					in.ClassID = cl.ID
				}
			}
			if in.ClassID == "" {
				c.fail("class_id", fmt.Sprintf("“%s”%s没有名为“%s”的班级", name, schools.GradeLabel(in.Grade), class))
			}
		}
	} else if c.str(fieldClass) != "" {
		c.fail("class_id", "填写班级时必须同时填写学校")
	}
	return cb.s.children.Prepare(in, cb.now), nil
}

// school finds a school by its name in the viewer's scope, once per name.
func (cb *childBatch) school(ctx context.Context, name string) (schoolHit, error) {
	cb.mu.Lock()
	hit, ok := cb.memo[name]
	cb.mu.Unlock()
	if ok {
		return hit, nil
	}
	p, err := cb.s.schools.List(ctx, cb.v, schools.Filter{Query: name, Limit: 500})
	if err != nil {
		return hit, err
	}
	var ids []schools.School
	for _, sc := range p.Schools {
		if sc.Name == name {
			ids = append(ids, sc)
		}
	}
	switch len(ids) {
	case 0:
		hit.why = "学校“" + name + "”不存在或不在您的管辖范围内"
	case 1:
		sc, err := cb.s.schools.Get(ctx, cb.v, ids[0].ID)
		if err != nil {
			return hit, err
		}
		hit.id, hit.classes = sc.ID, sc.Classes
	default:
		var where []string
		for _, sc := range ids {
			p, _ := cb.s.regions.PathString(ctx, sc.RegionCode)
			where = append(where, p)
		}
		hit.why = "有多所学校名为“" + name + "”（" + strings.Join(where, "；") + "），请在学校名称前后区分或联系管理员"
	}
	cb.mu.Lock()
	cb.memo[name] = hit
	cb.mu.Unlock()
	return hit, nil
}

func (cb *childBatch) check(ctx context.Context, q storage.Querier, ps []prepared, absent []string) error {
	cs := make([]*children.Prepared, len(ps))
	for i, p := range ps {
		cs[i] = p.(*children.Prepared)
	}
	return cb.b.Check(ctx, q, cs, absent)
}

func (cb *childBatch) write(ctx context.Context, tx *storage.Tx, ps []prepared) error {
	cs := make([]*children.Prepared, len(ps))
	for i, p := range ps {
		cs[i] = p.(*children.Prepared)
	}
	return cb.b.Write(ctx, tx, cs)
}

func (cb *childBatch) finish(ctx context.Context, tx *storage.Tx, what string) error {
	return cb.b.Finish(ctx, tx, what)
}

func (cb *childBatch) counts() (int, int, int) { return cb.b.Counts() }

// --- elders

type elderBatch struct {
	s   *Service
	now time.Time
	b   *elders.ImportBatch
}

func (s *Service) newElderBatch(v access.Viewer, now time.Time) (batch, error) {
	b, err := s.elders.NewImportBatch(v, now)
	if err != nil {
		return nil, err
	}
	return &elderBatch{s: s, now: now, b: b}, nil
}

func (eb *elderBatch) prepare(ctx context.Context, c *cells) (prepared, error) {
	in := elders.Input{
		IDNumber:        c.idNumber("id_number"),
		Name:            c.str("name"),
		Sex:             c.str("sex"),
		BirthDate:       c.date("birth_date"),
		Living:          codeOf(c.str("living"), elders.LivingKinds, elders.LivingLabel),
		ContactName:     c.str("contact_name"),
		ContactRelation: c.str("contact_relation"),
		ContactPhone:    c.str("contact_phone"),
		HealthFlags:     codesOf(c.str("health_flags"), elders.HealthFlags, elders.HealthFlagLabel),
		Notes:           c.str("notes"),
	}
	if s := strings.TrimSuffix(strings.TrimSuffix(c.str("children_away"), "人"), "个"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			c.fail("children_away", "外出子女数“"+s+"”应为整数")
		}
		in.ChildrenAway = n
	}
	code, err := c.place(ctx)
	if err != nil {
		return nil, err
	}
	in.VillageCode = code
	return eb.s.elders.Prepare(in, eb.now), nil
}

func (eb *elderBatch) check(ctx context.Context, q storage.Querier, ps []prepared, absent []string) error {
	es := make([]*elders.Prepared, len(ps))
	for i, p := range ps {
		es[i] = p.(*elders.Prepared)
	}
	return eb.b.Check(ctx, q, es, absent)
}

func (eb *elderBatch) write(ctx context.Context, tx *storage.Tx, ps []prepared) error {
	es := make([]*elders.Prepared, len(ps))
	for i, p := range ps {
		es[i] = p.(*elders.Prepared)
	}
	return eb.b.Write(ctx, tx, es)
}

func (eb *elderBatch) finish(ctx context.Context, tx *storage.Tx, what string) error {
	return eb.b.Finish(ctx, tx, what)
}

func (eb *elderBatch) counts() (int, int, int) { return eb.b.Counts() }
