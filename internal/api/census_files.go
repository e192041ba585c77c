package api

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"guanai/internal/census"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/schools"
)

// MaxUpload is the largest census file the import endpoint accepts.
const MaxUpload = 64 << 20

// ImportResultJSON is the summary of an import as the API returns it,
// with where to download the row-by-row report.
type ImportResultJSON struct {
	*census.Result
	Message   string `json:"message"`
	ReportID  string `json:"report_id"`
	ReportURL string `json:"report_url"`
}

// ImportRejected is the body of a commit refused because of bad rows: the
// error shape every error has, and the import's summary.
type ImportRejected struct {
	Error  ErrorDetail      `json:"error"`
	Result ImportResultJSON `json:"result"`
}

func kindParam(r *http.Request, exportOnly bool) (census.Kind, error) {
	k, ok := census.ParseKind(r.PathValue("kind"))
	if !ok || (k == census.Schools && !exportOnly) {
		return "", errs.New(errs.NotFound, "没有这种名单，只能是 children（儿童）、elders（留守老人）或 care_teams（关爱队伍）")
	}
	return k, nil
}

// importFile runs a census import of the request body: the file itself,
// as text/csv, the .xlsx media type or application/octet-stream.
func (api *API) importFile(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	k, err := kindParam(r, false)
	if err != nil {
		return err
	}
	if (k == census.Children && (!v.CanWrite || v.Nobody)) || ((k == census.Elders || k == census.CareTeams) && !v.CanWriteRegion()) {
		return errs.New(errs.Forbidden, "您无权导入"+k.Label()+"信息")
	}
	fe := errs.FieldErrors{}
	dry := boolParam(r, "dry_run", fe)
	if err := fe.Err(); err != nil {
		return err
	}
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	switch ct {
	case "text/csv", census.ContentType(census.FormatXLSX), "application/octet-stream", "":
	default:
		return errs.New(errs.BadRequest, "请求体应为文件本身：Content-Type 为 text/csv、application/vnd.openxmlformats-officedocument.spreadsheetml.sheet 或 application/octet-stream")
	}
	name := strings.TrimSpace(r.URL.Query().Get("file_name"))
	if name == "" {
		name = k.Label() + "名单"
	}
	res, path, err := api.census.ImportReader(r.Context(), v, k, r.Body, MaxUpload, census.Options{DryRun: dry, FileName: name})
	if err != nil {
		return err
	}
	defer os.Remove(path)
	id, err := api.census.SaveReport(r.Context(), v, path, res)
	if err != nil {
		return err
	}
	out := ImportResultJSON{Result: res, Message: res.Message(), ReportID: id, ReportURL: "/api/v1/import-reports/" + id}
	if len(out.Errors) > census.MaxStoredErrors {
		out.Errors = out.Errors[:census.MaxStoredErrors]
	}
	if !dry && res.Invalid > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, ImportRejected{Error: ErrorDetail{Code: string(errs.Invalid), Message: res.Message()}, Result: out})
		return nil
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// importReport downloads a stored import report (its uploader only).
func (api *API) importReport(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	rep, err := api.census.OpenReport(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	download(w, census.FormatXLSX, rep.FileName)
	w.WriteHeader(http.StatusOK)
	w.Write(rep.Content)
	return nil
}

// importTemplate downloads the import template of a kind.
func (api *API) importTemplate(w http.ResponseWriter, r *http.Request) error {
	if _, err := api.viewer(r); err != nil {
		return err
	}
	k, err := kindParam(r, false)
	if err != nil {
		return err
	}
	download(w, census.FormatXLSX, k.Label()+"导入模板.xlsx")
	return census.Template(k, w)
}

// download sets the headers of a file download.
func download(w http.ResponseWriter, format, name string) {
	w.Header().Set("Content-Type", census.ContentType(format))
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
}

// lazyDownload sends the download's headers with the first byte, so that
// an error found before (a bad filter) still gets its JSON error.
type lazyDownload struct {
	w            http.ResponseWriter
	format, name string
	started      bool
}

func (d *lazyDownload) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		download(d.w, d.format, d.name)
		d.w.WriteHeader(http.StatusOK)
	}
	return d.w.Write(p)
}

func formatParam(r *http.Request, fe errs.FieldErrors) string {
	switch f := r.URL.Query().Get("format"); f {
	case "", census.FormatXLSX:
		return census.FormatXLSX
	case census.FormatCSV:
		return f
	}
	fe.Add("format", "参数 format 只能为 xlsx 或 csv")
	return ""
}

func exportName(k census.Kind, format string) string {
	return k.Label() + "名单-" + time.Now().In(person.China).Format("20060102") + "." + format
}

// exportChildren streams the children list, with the list's filters.
func (api *API) exportChildren(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	fe := errs.FieldErrors{}
	f := children.Filter{Region: q.Get("region"), SchoolID: q.Get("school_id"), ClassID: q.Get("class_id"),
		Category: q.Get("category"), Sex: q.Get("sex"), AgeMin: optIntParam(r, "age_min", fe), AgeMax: optIntParam(r, "age_max", fe),
		Query: q.Get("q"), Status: q.Get("status")}
	format := formatParam(r, fe)
	if err := fe.Err(); err != nil {
		return err
	}
	reveal, err := revealParam(r)
	if err != nil {
		return err
	}
	out := &lazyDownload{w: w, format: format, name: exportName(census.Children, format)}
	_, err = api.census.ExportChildren(r.Context(), v, f, reveal, format, out)
	return exportDone(out, err)
}

// exportElders streams the elders list, with the list's filters.
func (api *API) exportElders(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	fe := errs.FieldErrors{}
	f := elders.Filter{Region: q.Get("region"), Living: q.Get("living"), Query: q.Get("q"), Status: q.Get("status")}
	format := formatParam(r, fe)
	if err := fe.Err(); err != nil {
		return err
	}
	reveal, err := revealParam(r)
	if err != nil {
		return err
	}
	out := &lazyDownload{w: w, format: format, name: exportName(census.Elders, format)}
	_, err = api.census.ExportElders(r.Context(), v, f, reveal, format, out)
	return exportDone(out, err)
}

// exportSchools streams the schools list, with the list's filters.
func (api *API) exportSchools(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	fe := errs.FieldErrors{}
	format := formatParam(r, fe)
	if err := fe.Err(); err != nil {
		return err
	}
	out := &lazyDownload{w: w, format: format, name: exportName(census.Schools, format)}
	_, err = api.census.ExportSchools(r.Context(), v, schools.Filter{Region: q.Get("region"), Query: q.Get("q")}, format, out)
	return exportDone(out, err)
}

// exportDone reports an export's error as JSON when nothing was sent yet;
// once the file has begun, the connection is cut so that the client sees
// an incomplete download rather than a short file.
func exportDone(out *lazyDownload, err error) error {
	if err == nil {
		if !out.started {
			out.Write(nil)
		}
		return nil
	}
	if !out.started {
		return err
	}
	panic(http.ErrAbortHandler)
}

var _ io.Writer = (*lazyDownload)(nil)
