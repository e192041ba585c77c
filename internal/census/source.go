package census

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	pathpkg "path"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"guanai/internal/errs"
)

// Limits bounds what an import reads from a file, so that a hostile file
// cannot exhaust memory, disk or time.
type Limits struct {
	// MaxRows is the most data rows a file may have.
	MaxRows int
	// MaxColumns is the most columns a row may have.
	MaxColumns int
	// MaxCell is the most bytes one cell may hold.
	MaxCell int
	// XLSXEntries is the most entries an .xlsx (a zip archive) may hold.
	XLSXEntries int
	// XLSXUnzipped is the most bytes an .xlsx may unzip to in total
	// (excelize's UnzipSizeLimit; its own default is 16 GB).
	XLSXUnzipped int64
	// XLSXInMemory is the largest worksheet or shared-string table kept in
	// memory; larger ones are unzipped to a temporary file (excelize's
	// UnzipXMLSizeLimit).
	XLSXInMemory int64
	// XLSXOtherPart is the largest any other part of an .xlsx may be
	// (styles, themes …: excelize reads them into memory).
	XLSXOtherPart int64
	// XLSXRatio is the highest compression ratio a part over 1 MiB may
	// have: a zip bomb's is in the thousands, a worksheet's under a hundred.
	XLSXRatio int64
}

// DefaultLimits are the limits of imports: a census file of a province
// (1.2 million rows) passes, a zip bomb does not.
func DefaultLimits() Limits {
	return Limits{
		MaxRows:       2_000_000,
		MaxColumns:    200,
		MaxCell:       4096,
		XLSXEntries:   1000,
		XLSXUnzipped:  2 << 30,
		XLSXInMemory:  16 << 20,
		XLSXOtherPart: 32 << 20,
		XLSXRatio:     1000,
	}
}

// sheet is a table read row by row: a CSV file or a worksheet.
type sheet interface {
	// Next returns the next row's cells (the header first) and the row
	// number as a spreadsheet program shows it; io.EOF at the end.
	Next() (cells []string, row int, err error)
	// Progress returns how far the reading is, as done of total (bytes of
	// a CSV file; rows of a worksheet, total 0 when unknown).
	Progress() (done, total int64)
	Close() error
}

// format describes how a file was read.
type format struct {
	Kind     string // "csv" or "xlsx"
	Encoding string // CSV: "UTF-8", "UTF-8 (BOM)", "GB18030", "UTF-16"
	Sheet    string // XLSX: the worksheet read
}

// Errors of files that cannot be read at all, in Chinese.
var (
	errNotSpreadsheet = errs.New(errs.Invalid, "文件不是电子表格：请上传 .xlsx（Excel 2007 及以后）或 .csv 文件")
	errOldExcel       = errs.New(errs.Invalid, "这是旧版 Excel（.xls）文件或加密的工作簿，无法读取：请在 Excel 中“另存为” .xlsx 或 CSV 后再导入")
	errEmptyFile      = errs.New(errs.Invalid, "文件是空的")
)

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// openSheet opens the file at path as a sheet of kind k: it tells an .xlsx
// from a CSV file by its content, not its name.
func openSheet(path string, k Kind, lim Limits) (sheet, format, error) {
	return openSheetWith(path, lim, func(header []string) bool {
		idx, _, _ := matchHeaders(k, header)
		return len(idx) >= 2
	})
}

// openSheetWith is openSheet for any table: recognise says whether a
// worksheet's first row is the header of the table sought (an .xlsx is
// read from the first visible worksheet it recognises).
func openSheetWith(path string, lim Limits, recognise func(header []string) bool) (sheet, format, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, format{}, errs.Wrap(err, "open import file")
	}
	head := make([]byte, 8192)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, format{}, errs.Wrap(err, "open import file")
	}
	switch {
	case n == 0:
		f.Close()
		return nil, format{}, errEmptyFile
	case bytes.HasPrefix(head, zipMagic):
		f.Close()
		return openXLSX(path, st.Size(), recognise, lim)
	case bytes.HasPrefix(head, oleMagic):
		f.Close()
		return nil, format{}, errOldExcel
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, format{}, errs.Wrap(err, "open import file")
	}
	return openCSV(f, st.Size(), head, lim)
}

// --- CSV

type csvSheet struct {
	f     *os.File
	count *countingReader
	r     *csv.Reader
	size  int64
	row   int
	lim   Limits
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// openCSV reads f as CSV: UTF-8 with or without a byte-order mark, UTF-16
// with one (Excel's “Unicode text”), or else GB18030 (which covers GBK and
// GB2312, what Excel writes on Chinese Windows). The delimiter is a comma,
// a tab or a semicolon, whichever the first line uses most.
func openCSV(f *os.File, size int64, head []byte, lim Limits) (sheet, format, error) {
	if looksBinary(head) {
		f.Close()
		return nil, format{}, errNotSpreadsheet
	}
	count := &countingReader{r: f}
	var r io.Reader = bufio.NewReaderSize(count, 1<<16)
	fm := format{Kind: "csv"}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		fm.Encoding = "UTF-8 (BOM)"
		r = transform.NewReader(r, unicode.UTF8BOM.NewDecoder())
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		fm.Encoding = "UTF-16"
		r = transform.NewReader(r, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
		head = decodeHead(head, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	case validUTF8Prefix(head):
		fm.Encoding = "UTF-8"
	default:
		fm.Encoding = "GB18030"
		r = transform.NewReader(r, simplifiedchinese.GB18030.NewDecoder())
		head = decodeHead(head, simplifiedchinese.GB18030.NewDecoder())
	}
	cr := csv.NewReader(r)
	cr.Comma = sniffDelimiter(head)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return &csvSheet{f: f, count: count, r: cr, size: size, lim: lim}, fm, nil
}

func decodeHead(head []byte, t transform.Transformer) []byte {
	out, _, _ := transform.Bytes(t, head)
	return out
}

// looksBinary reports whether the start of a file holds bytes no text
// file has (NUL outside UTF-16, or many control characters).
func looksBinary(head []byte) bool {
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return false
	}
	ctl := 0
	for _, b := range head {
		if b == 0 {
			return true
		}
		if b < 0x20 && b != '\n' && b != '\r' && b != '\t' && b != 0x1A {
			ctl++
		}
	}
	return ctl > len(head)/100+2
}

// validUTF8Prefix reports whether head is valid UTF-8, allowing a rune cut
// off at its end.
func validUTF8Prefix(head []byte) bool {
	for i := 0; i < utf8.UTFMax && len(head) > 0; i++ {
		if utf8.Valid(head) {
			return true
		}
		head = head[:len(head)-1]
	}
	return utf8.Valid(head)
}

func sniffDelimiter(head []byte) rune {
	line := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		line = head[:i]
	}
	best, n := ',', bytes.Count(line, []byte{','})
	for _, d := range []rune{'\t', ';'} {
		if c := bytes.Count(line, []byte(string(d))); c > n {
			best, n = d, c
		}
	}
	return best
}

func (s *csvSheet) Next() ([]string, int, error) {
	rec, err := s.r.Read()
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	s.row++
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) && !errors.Is(pe.Err, csv.ErrFieldCount) {
			return nil, s.row, errs.Newf(errs.Invalid, "第%d行（文件第%d行）无法按 CSV 格式读取：%s", s.row, pe.Line, csvReason(pe.Err))
		}
		if !errors.As(err, &pe) {
			return nil, s.row, errs.Newf(errs.Invalid, "读取到第%d行时出错：文件可能已损坏或编码有误", s.row)
		}
	}
	if s.row-1 > s.lim.MaxRows {
		return nil, s.row, errs.Newf(errs.Invalid, "文件超过%d行，请分成几个文件导入", s.lim.MaxRows)
	}
	if len(rec) > s.lim.MaxColumns {
		return nil, s.row, errs.Newf(errs.Invalid, "第%d行有%d列，超过了%d列的上限", s.row, len(rec), s.lim.MaxColumns)
	}
	out := make([]string, len(rec))
	copy(out, rec)
	return out, s.row, nil
}

func csvReason(err error) string {
	switch {
	case errors.Is(err, csv.ErrBareQuote), errors.Is(err, csv.ErrQuote):
		return "引号不配对"
	}
	return "格式有误"
}

func (s *csvSheet) Progress() (int64, int64) { return s.count.n, s.size }
func (s *csvSheet) Close() error             { return s.f.Close() }

// --- XLSX

type xlsxSheet struct {
	f     *excelize.File
	rows  *excelize.Rows
	row   int
	total int64
	lim   Limits
}

var dimensionRe = regexp.MustCompile(`<(?:\w+:)?dimension ref="(?:[A-Z]+[0-9]+:)?[A-Z]+([0-9]+)"`)

// checkZip refuses an .xlsx whose archive could harm the reader: too many
// entries, names that climb out of the archive, parts too large or
// compressed beyond any real spreadsheet.
func checkZip(path string, lim Limits) (sheetDims map[string]int64, err error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, errs.New(errs.Invalid, "文件不是有效的 .xlsx（压缩包已损坏）：请用 Excel 重新保存后再导入")
	}
	defer zr.Close()
	if len(zr.File) > lim.XLSXEntries {
		return nil, errs.Newf(errs.Invalid, "文件包含%d个部件，超过了%d个的上限，不像是普通的工作簿", len(zr.File), lim.XLSXEntries)
	}
	var total uint64
	sheetDims = map[string]int64{}
	seen := map[string]bool{}
	for _, e := range zr.File {
		name := e.Name
		clean := pathpkg.Clean(strings.ReplaceAll(name, "\\", "/"))
		if name == "" || strings.ContainsAny(name, "\x00\\:") || strings.HasPrefix(name, "/") || clean == ".." ||
			strings.HasPrefix(clean, "../") || !utf8.ValidString(name) {
			return nil, errs.Newf(errs.Invalid, "文件中有不安全的路径“%s”，已拒绝", strings.ToValidUTF8(name, "?"))
		}
		lower := strings.ToLower(clean)
		if seen[lower] {
			return nil, errs.Newf(errs.Invalid, "文件中有重复的部件“%s”，已拒绝", name)
		}
		seen[lower] = true
		size := e.UncompressedSize64
		total += size
		if total > uint64(lim.XLSXUnzipped) {
			return nil, errs.Newf(errs.Invalid, "文件解压后超过 %d MB，已拒绝", lim.XLSXUnzipped>>20)
		}
		big := strings.HasPrefix(lower, "xl/worksheets/sheet") || lower == "xl/sharedstrings.xml"
		if !big && size > uint64(lim.XLSXOtherPart) {
			return nil, errs.Newf(errs.Invalid, "文件中的部件“%s”解压后过大（%d MB），已拒绝", name, size>>20)
		}
		if size > 1<<20 && (e.CompressedSize64 == 0 || size/e.CompressedSize64 > uint64(lim.XLSXRatio)) {
			return nil, errs.Newf(errs.Invalid, "文件中的部件“%s”压缩比异常（疑似“压缩炸弹”），已拒绝", name)
		}
		if strings.HasPrefix(lower, "xl/worksheets/sheet") {
			sheetDims[lower] = readDimension(e)
		}
	}
	return sheetDims, nil
}

// readDimension reads the row count a worksheet declares at its start
// (<dimension ref="A1:AD1000001"/>), 0 when it does not.
func readDimension(e *zip.File) int64 {
	rc, err := e.Open()
	if err != nil {
		return 0
	}
	defer rc.Close()
	buf := make([]byte, 4096)
	n, _ := io.ReadFull(rc, buf)
	m := dimensionRe.FindSubmatch(buf[:n])
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return v
}

// openXLSX opens an .xlsx with excelize inside lim, and picks the sheet to
// read: the first whose header row recognise accepts (so a template's or a
// report's instructions sheet is passed over).
func openXLSX(path string, size int64, recognise func(header []string) bool, lim Limits) (sheet, format, error) {
	dims, err := checkZip(path, lim)
	if err != nil {
		return nil, format{}, err
	}
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: lim.XLSXUnzipped, UnzipXMLSizeLimit: lim.XLSXInMemory})
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookFileFormat) || errors.Is(err, excelize.ErrWorkbookPassword) {
			return nil, format{}, errOldExcel
		}
		return nil, format{}, errs.New(errs.Invalid, "无法读取该 .xlsx 文件：请用 Excel 重新保存后再导入")
	}
	fail := func(e error) (sheet, format, error) {
		f.Close()
		return nil, format{}, e
	}
	var first string
	for _, name := range f.GetSheetList() {
		if v, err := f.GetSheetVisible(name); err == nil && !v {
			continue
		}
		if first == "" {
			first = name
		}
		rows, err := f.Rows(name)
		if err != nil {
			continue
		}
		var header []string
		if rows.Next() {
			header, _ = rows.Columns(excelize.Options{RawCellValue: true})
		}
		rows.Close()
		if recognise(header) {
			first = name
			break
		}
	}
	if first == "" {
		return fail(errs.New(errs.Invalid, "工作簿中没有可读取的工作表"))
	}
	rows, err := f.Rows(first)
	if err != nil {
		return fail(errs.New(errs.Invalid, "无法读取工作表“"+first+"”"))
	}
	var total int64
	for name, n := range dims {
		_ = name
		total = max(total, n)
	}
	if len(dims) > 1 {
		total = 0 // which part is this sheet is not worth finding out
	}
	return &xlsxSheet{f: f, rows: rows, total: total, lim: lim}, format{Kind: "xlsx", Sheet: first}, nil
}

func (s *xlsxSheet) Next() ([]string, int, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, s.row, errs.Newf(errs.Invalid, "读取第%d行之后出错：工作表可能已损坏", s.row)
		}
		return nil, 0, io.EOF
	}
	s.row++
	if s.row-1 > s.lim.MaxRows {
		return nil, s.row, errs.Newf(errs.Invalid, "工作表超过%d行，请分成几个文件导入", s.lim.MaxRows)
	}
	cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, s.row, errs.Newf(errs.Invalid, "第%d行无法读取：工作表可能已损坏", s.row)
	}
	if len(cells) > s.lim.MaxColumns {
		return nil, s.row, errs.Newf(errs.Invalid, "第%d行有%d列，超过了%d列的上限", s.row, len(cells), s.lim.MaxColumns)
	}
	return cells, s.row, nil
}

func (s *xlsxSheet) Progress() (int64, int64) { return int64(s.row), s.total }

func (s *xlsxSheet) Close() error {
	s.rows.Close()
	return s.f.Close()
}

// describe names a format for reports.
func (fm format) describe() string {
	if fm.Kind == "xlsx" {
		return fmt.Sprintf("Excel 工作簿（工作表“%s”）", fm.Sheet)
	}
	return "CSV（" + fm.Encoding + "）"
}
