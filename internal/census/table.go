package census

// Table is a spreadsheet read row by row for an importer of another kind
// of file than the census's own (the population table of package
// population): the same reading of .xlsx and CSV files — GBK and UTF-16
// CSV, the limits against hostile files, the Chinese errors — as the
// census import's.
type Table struct {
	sh sheet
	fm format
}

// OpenTable opens the .xlsx or CSV file at path (told apart by content)
// within lim. recognise says whether a row is the header of the table
// sought: of an .xlsx, the first visible worksheet whose first row it
// accepts is read (else the first visible one). A file that cannot be
// read gives an errs.Invalid error saying why, in Chinese.
func OpenTable(path string, lim Limits, recognise func(header []string) bool) (*Table, error) {
	sh, fm, err := openSheetWith(path, lim, recognise)
	if err != nil {
		return nil, err
	}
	return &Table{sh: sh, fm: fm}, nil
}

// Next returns the next row's cells and its row number as a spreadsheet
// program shows it; io.EOF after the last row. A row that cannot be read
// gives an errs.Invalid error naming it.
func (t *Table) Next() (cells []string, row int, err error) { return t.sh.Next() }

// Format describes the file as read, for reports: “Excel 工作簿（工作表
// “Sheet1”）” or “CSV（GB18030）”.
func (t *Table) Format() string { return t.fm.describe() }

// Close releases the file.
func (t *Table) Close() error { return t.sh.Close() }

// NormHeader is how the census import compares column names: spaces and
// asterisks dropped, brackets made full-width, “（必填）” and the like cut
// off, letters lower-cased.
func NormHeader(s string) string { return normHeader(s) }
