package census

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"guanai/internal/errs"
)

// tableWriter writes a table as .xlsx (streaming, rows held on disk past a
// few MB) or as CSV (UTF-8 with a byte-order mark, which Excel on Chinese
// Windows needs to read UTF-8, and CRLF line ends). Every text cell is
// neutralised against formula injection.
type tableWriter interface {
	header(cols []string, widths []float64) error
	// row writes one row; marked rows are highlighted (reports' bad rows).
	row(vals []string, marked bool) error
	// close finishes the file into the writer given at creation.
	close() error
}

// Formats an export or report can be written in.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
)

// ContentType returns the MIME type of a format.
func ContentType(format string) string {
	if format == FormatCSV {
		return "text/csv; charset=utf-8"
	}
	return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}

func newTableWriter(format, sheet string, w io.Writer) (tableWriter, error) {
	switch format {
	case FormatCSV:
		cw := csv.NewWriter(w)
		cw.UseCRLF = true
		return &csvTable{w: cw, out: w}, nil
	case FormatXLSX, "":
		return newXLSXTable(sheet, w)
	}
	return nil, errs.FieldErrors{"format": "格式只能为 xlsx 或 csv"}.Err()
}

type csvTable struct {
	w   *csv.Writer
	out io.Writer
	n   int
}

func (t *csvTable) header(cols []string, _ []float64) error {
	if _, err := io.WriteString(t.out, "\ufeff"); err != nil {
		return err
	}
	return t.row(cols, false)
}

func (t *csvTable) row(vals []string, _ bool) error {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = neutralise(v)
	}
	if err := t.w.Write(out); err != nil {
		return err
	}
	if t.n++; t.n%1000 == 0 {
		t.w.Flush()
	}
	return t.w.Error()
}

func (t *csvTable) close() error {
	t.w.Flush()
	return t.w.Error()
}

type xlsxTable struct {
	f      *excelize.File
	sw     *excelize.StreamWriter
	out    io.Writer
	sheet  string
	n      int
	bold   int
	marked int
	text   int
	extra  []func(*excelize.File) error
	above  [][]string // rows above the header (a report's title rows)
}

func newXLSXTable(sheet string, w io.Writer) (*xlsxTable, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	t := &xlsxTable{f: f, out: w, sheet: sheet}
	var err error
	if t.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Border: []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}, NumFmt: 49}); err != nil {
		return nil, err
	}
	if t.marked, err = f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FCE4D6"}}, NumFmt: 49}); err != nil {
		return nil, err
	}
	if t.text, err = f.NewStyle(&excelize.Style{NumFmt: 49}); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *xlsxTable) header(cols []string, widths []float64) error {
	return t.headerAt(1, cols, widths)
}

// headerAt starts the sheet with the header at row n (rows above it are
// written with writeAt first... so n is where the panes freeze).
func (t *xlsxTable) headerAt(n int, cols []string, widths []float64) error {
	var err error
	if t.sw, err = t.f.NewStreamWriter(t.sheet); err != nil {
		return err
	}
	for i, w := range widths {
		if w > 0 {
			if err := t.sw.SetColWidth(i+1, i+1, w); err != nil {
				return err
			}
		}
	}
	if err := t.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: n, TopLeftCell: fmt.Sprintf("A%d", n+1), ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	for i, r := range t.above {
		if err := t.writeAt(i+1, r, t.text); err != nil {
			return err
		}
	}
	return t.writeAt(n, cols, t.bold)
}

func (t *xlsxTable) row(vals []string, marked bool) error {
	style := t.text
	if marked {
		style = t.marked
	}
	return t.write(vals, style)
}

func (t *xlsxTable) write(vals []string, style int) error {
	return t.writeAt(t.n+1, vals, style)
}

// writeAt writes a row at row number n (after the rows written so far).
func (t *xlsxTable) writeAt(n int, vals []string, style int) error {
	t.n = n
	row := make([]any, len(vals))
	for i, v := range vals {
		// Text cells, all of them: an ID number stays 18 characters.
		row[i] = excelize.Cell{StyleID: style, Value: neutralise(v)}
	}
	cell, err := excelize.CoordinatesToCellName(1, t.n)
	if err != nil {
		return err
	}
	return t.sw.SetRow(cell, row)
}

// close finishes the workbook straight into the output: excelize's own
// WriteTo would build the whole file in memory first, so the zip writer it
// is given writes to the output instead of its buffer.
func (t *xlsxTable) close() error {
	if t.sw != nil {
		if err := t.sw.Flush(); err != nil {
			return err
		}
	}
	for _, fn := range t.extra {
		if err := fn(t.f); err != nil {
			return err
		}
	}
	var zw *zip.Writer
	t.f.ZipWriter = func(io.Writer) excelize.ZipWriter {
		zw = zip.NewWriter(t.out)
		return zw
	}
	if _, err := t.f.WriteToBuffer(); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return t.f.Close()
}
