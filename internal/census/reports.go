package census

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/errs"
	"guanai/internal/storage"
)

// ReportTTL is how long a stored report can be downloaded.
const ReportTTL = 24 * time.Hour

// MaxStoredErrors bounds the row errors kept in a stored report's summary
// (the report file itself lists them all).
const MaxStoredErrors = 1000

// Report is a stored import report: its summary and the .xlsx file.
type Report struct {
	ID        string
	FileName  string // the report's own file name, e.g. 儿童导入报告-名单.xlsx
	Summary   *Result
	Content   []byte
	CreatedAt time.Time
}

var errReportNotFound = errs.New(errs.NotFound, "未找到该导入报告（报告只保留24小时，且只有上传者本人可以下载）")

// SaveReport writes the report of res (the file at path) and keeps it for
// ReportTTL for the viewer who imported the file, sealed with the
// database's key (it holds the uploaded ID numbers). Older reports are
// deleted. It returns the report's id.
func (s *Service) SaveReport(ctx context.Context, v access.Viewer, path string, res *Result) (string, error) {
	var buf bytes.Buffer
	if err := s.WriteReport(&buf, path, res); err != nil {
		return "", err
	}
	sum := *res
	if len(sum.Errors) > MaxStoredErrors {
		sum.Errors = sum.Errors[:MaxStoredErrors]
	}
	js, err := json.Marshal(sum)
	if err != nil {
		return "", errs.Wrap(err, "save report")
	}
	sealed, err := s.vault.Seal(buf.String())
	if err != nil {
		return "", errs.Wrap(err, "seal report")
	}
	id := uuid.Must(uuid.NewV7()).String()
	err = s.db.Write(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM import_reports WHERE created_at < ?`, storage.TimeArg(tx.Now.Add(-ReportTTL))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO import_reports (id, user_id, kind, file_name, summary, content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, v.UserID, string(res.Kind), res.FileName, string(js), sealed, storage.TimeArg(tx.Now))
		return err
	})
	if err != nil {
		return "", errs.Wrap(err, "save report")
	}
	return id, nil
}

// OpenReport returns a stored report to the viewer who imported the file;
// anyone else, an unknown id and an expired report get errs.NotFound.
func (s *Service) OpenReport(ctx context.Context, v access.Viewer, id string) (Report, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Report{}, errReportNotFound
	}
	var r Report
	var kind, summary string
	var sealed []byte
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, kind, file_name, summary, content, created_at FROM import_reports WHERE id = ? AND user_id = ? AND created_at >= ?`,
		id, v.UserID, storage.TimeArg(s.db.Now().Add(-ReportTTL))).Scan(&r.ID, &kind, &r.FileName, &summary, &sealed, storage.Time{T: &r.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return Report{}, errReportNotFound
	}
	if err != nil {
		return Report{}, errs.Wrap(err, "open report")
	}
	r.Summary = &Result{}
	if err := json.Unmarshal([]byte(summary), r.Summary); err != nil {
		return Report{}, errs.Wrap(err, "open report")
	}
	content, err := s.vault.Open(sealed)
	if err != nil {
		return Report{}, errs.Wrap(err, "open report")
	}
	r.Content = []byte(content)
	r.FileName = ReportFileName(Kind(kind), r.FileName)
	return r, nil
}

// ReportFileName is the name a report of the file name downloads as.
func ReportFileName(k Kind, name string) string {
	base := baseName(name)
	for _, ext := range []string{".xlsx", ".csv", ".XLSX", ".CSV", ".txt"} {
		if len(base) > len(ext) && base[len(base)-len(ext):] == ext {
			base = base[:len(base)-len(ext)]
			break
		}
	}
	return k.Label() + "导入报告-" + base + ".xlsx"
}
