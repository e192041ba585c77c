package web

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"guanai/internal/access"
	"guanai/internal/api"
	"guanai/internal/authn"
	"guanai/internal/census"
	"guanai/internal/errs"
)

// maxUploadBody bounds the body of the upload form: the API's largest
// census file and room for the form's other fields.
const maxUploadBody = api.MaxUpload + 64<<10

// importKinds are the record types v may import (see the API's
// importFile: children for census writers, elders and care teams for
// region writers).
func importKinds(v access.Viewer) []census.Kind {
	var out []census.Kind
	if v.CanWrite && !v.Nobody {
		out = append(out, census.Children)
	}
	if v.CanWriteRegion() {
		out = append(out, census.Elders)
	}
	if mayManageCare(v) && !v.Nobody {
		out = append(out, census.CareTeams)
	}
	return out
}

// mayImport reports whether v may use the upload page.
func mayImport(v access.Viewer) bool { return len(importKinds(v)) > 0 }

// keptUpload is the file of a clean dry run, kept for its commit.
type keptUpload struct {
	userID, path, name string
	kind               census.Kind
	at                 time.Time
}

// keptUploads holds the files of clean dry runs by job id, for
// census.JobTTL.
type keptUploads struct {
	mu sync.Mutex
	m  map[string]keptUpload
}

func (k *keptUploads) put(job string, u keptUpload) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for id, old := range k.m {
		if time.Since(old.at) > census.JobTTL {
			os.Remove(old.path)
			delete(k.m, id)
		}
	}
	k.m[job] = u
}

// take removes and returns the kept file of job for user.
func (k *keptUploads) take(job, user string) (keptUpload, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	u, ok := k.m[job]
	if !ok || u.userID != user {
		return keptUpload{}, false
	}
	delete(k.m, job)
	return u, true
}

func (k *keptUploads) has(job, user string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	u, ok := k.m[job]
	return ok && u.userID == user
}

// importPage is the view model of the upload form.
type importPage struct {
	Layout
	Kinds []importKind
	// Error is what was wrong with the last upload.
	Error string
	Max   string
}

// importKind is one record type offered, with its template's address.
type importKind struct {
	Value, Label, TemplateHref string
	Checked                    bool
}

func (w *Web) importForm(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !mayImport(id.Viewer) {
		return notFound
	}
	w.render(rw, r, http.StatusOK, "import", w.importPageOf(r, id, ""))
	return nil
}

func (w *Web) importPageOf(r *http.Request, id authn.Identity, msg string) importPage {
	lg := langOf(r)
	p := importPage{Layout: w.layout(r, id, lg.T("title.import")), Error: msg, Max: fmt.Sprintf("%d MB", api.MaxUpload>>20)}
	for i, k := range importKinds(id.Viewer) {
		p.Kinds = append(p.Kinds, importKind{Value: string(k), Label: lg.T("import.kind." + string(k)),
			TemplateHref: "/api/v1/imports/" + string(k) + "/template", Checked: i == 0})
	}
	return p
}

// importUpload saves the uploaded file and starts its import job.
func (w *Web) importUpload(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !mayImport(v) {
		return notFound
	}
	lg := langOf(r)
	again := func(msg string) error {
		w.render(rw, r, http.StatusUnprocessableEntity, "import", w.importPageOf(r, id, msg))
		return nil
	}
	k, ok := census.ParseKind(r.FormValue("kind"))
	allowed := false
	for _, a := range importKinds(v) {
		allowed = allowed || (ok && a == k)
	}
	if !allowed {
		return again(lg.T("import.err.kind"))
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return again(lg.T("import.err.file"))
	}
	defer f.Close()
	if hdr.Size > api.MaxUpload {
		return again(lg.T("import.bad_upload.message"))
	}
	name := filepath.Base(strings.ReplaceAll(hdr.Filename, `\`, "/"))
	if name == "" || name == "." || name == "/" {
		name = k.Label() + "名单"
	}
	dry := r.FormValue("dry_run") != ""
	path, err := saveTemp(f, name)
	if err != nil {
		return err
	}
	var keep string
	if dry {
		// The job removes its file when done; a copy is kept for the
		// commit that may follow a clean dry run.
		src, err := os.Open(path)
		if err != nil {
			os.Remove(path)
			return errs.Wrap(err, "reopen upload")
		}
		keep, err = saveTemp(src, name)
		src.Close()
		if err != nil {
			os.Remove(path)
			return err
		}
	}
	job := w.jobs.Start(r.Context(), v, k, path, census.Options{DryRun: dry, FileName: name})
	if keep != "" {
		w.uploads.put(job, keptUpload{userID: v.UserID, path: keep, name: name, kind: k, at: time.Now()})
	}
	return seeOther(rw, r, "/import/"+job)
}

// saveTemp copies src to a new temporary file (keeping name's extension)
// and returns its path.
func saveTemp(src io.Reader, name string) (string, error) {
	ext := strings.ToLower(filepath.Ext(name))
	if ext != ".csv" && ext != ".xlsx" {
		ext = ""
	}
	f, err := os.CreateTemp("", "guanai-upload-*"+ext)
	if err != nil {
		return "", errs.Wrap(err, "save upload")
	}
	if _, err := io.Copy(f, io.LimitReader(src, api.MaxUpload+1)); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", errs.Wrap(err, "save upload")
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", errs.Wrap(err, "save upload")
	}
	return f.Name(), nil
}

// importJobPage is the view model of an import's progress and summary.
type importJobPage struct {
	Layout
	View importJobView
}

// importJobView is the part of the page that refreshes itself (htmx
// polls it every second) until the job is done.
type importJobView struct {
	ID, Kind, FileName string
	DryRun, Done       bool
	// Progress: rows checked, of the file read (percent when known).
	Rows, Invalid int
	Percent       int
	HasPercent    bool
	RowsPerSecond string
	// Failed is why the file could not be read.
	Failed string
	Result *census.Result
	// Errors are the first rows in error, for the page.
	Errors     []census.RowError
	MoreErrors int
	Message    string
	ReportHref string
	// CanCommit offers to commit the file of a clean dry run.
	CanCommit bool
	Rejected  bool
	CSRFToken string
}

// shownErrors is how many row errors the page lists; the report has all.
const shownErrors = 50

func (w *Web) importJob(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !mayImport(v) {
		return notFound
	}
	st, err := w.jobs.Status(v, r.PathValue("job"))
	if err != nil {
		return err
	}
	lg := langOf(r)
	view := importJobView{ID: st.ID, Kind: lg.T("import.kind." + string(st.Kind)), DryRun: st.DryRun, Done: st.Done,
		Rows: st.Progress.Rows, Invalid: st.Progress.Invalid, Failed: st.Error}
	if st.Progress.Total > 0 {
		view.HasPercent, view.Percent = true, int(st.Progress.Fraction()*100)
	}
	if s := st.Progress.Elapsed.Seconds(); s > 0 {
		view.RowsPerSecond = fmt.Sprintf("%.0f", float64(st.Progress.Rows)/s)
	}
	if res := st.Result; res != nil {
		view.Result, view.FileName, view.Message = res, res.FileName, res.Message()
		view.Rows, view.Invalid = res.Rows, res.Invalid
		if res.Seconds > 0 {
			view.RowsPerSecond = fmt.Sprintf("%.0f", float64(res.Rows)/res.Seconds)
		}
		view.Errors = res.Errors
		if len(view.Errors) > shownErrors {
			view.Errors = view.Errors[:shownErrors]
		}
		view.MoreErrors = res.ErrorCount - len(view.Errors)
		view.Rejected = !st.DryRun && res.Invalid > 0
		view.CanCommit = st.DryRun && res.Invalid == 0 && res.Valid > 0 && w.uploads.has(st.ID, v.UserID)
	}
	if id.Session != nil {
		view.CSRFToken = id.Session.CSRFToken
	}
	if st.ReportID != "" {
		view.ReportHref = "/api/v1/import-reports/" + st.ReportID
	}
	if isHX(r) {
		w.renderPart(rw, r, http.StatusOK, "import_job", "import-job-view", view)
		return nil
	}
	l := w.layout(r, id, lg.T("title.import_job"))
	if !view.Done {
		l.Refresh = "2"
	}
	w.render(rw, r, http.StatusOK, "import_job", importJobPage{Layout: l, View: view})
	return nil
}

// importCommit commits the file of a clean dry run.
func (w *Web) importCommit(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !mayImport(v) {
		return notFound
	}
	st, err := w.jobs.Status(v, r.PathValue("job"))
	if err != nil {
		return err
	}
	if !st.Done || st.Result == nil || st.Result.Invalid > 0 {
		return notFound
	}
	u, ok := w.uploads.take(st.ID, v.UserID)
	if !ok {
		return notFound
	}
	job := w.jobs.Start(r.Context(), v, u.kind, u.path, census.Options{FileName: u.name})
	return seeOther(rw, r, "/import/"+job)
}
