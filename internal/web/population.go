package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/api"
	"guanai/internal/authn"
	"guanai/internal/census"
	"guanai/internal/errs"
	"guanai/internal/population"
	"guanai/internal/regions"
)

// The population page (人口数据): the population table behind the
// incidence rate — a node's children by age band and its child nodes',
// each marked declared (imported for the node) or derived (the sum of its
// child nodes, complete or partial) — and, for region writers, the upload
// of a population file: a dry run with its row-by-row report, then the
// commit of the same file.

// populationUploadRoute is the upload form's route, whose body may be a
// file (see wrap).
const populationUploadRoute = "POST /population"

// populationKind marks the kept file of a clean population dry run among
// the census uploads (it has no census job, so /import/{job}/commit never
// finds it).
const populationKind census.Kind = "population"

// seesPopulation reports whether v reads the population page:
// region-scoped roles, as for the gaps.
func seesPopulation(v access.Viewer) bool { return seesGaps(v) }

// populationPage is the view model of the population page.
type populationPage struct {
	Layout
	Crumbs regionNav
	// Bands are the age bands' column labels.
	Bands []string
	// Node is the current node; Rows its child nodes.
	Node     populationRow
	Rows     []populationRow
	KidLevel string
	// CanImport offers the upload form (and Region is the node to come
	// back to after it).
	CanImport    bool
	Region       string
	TemplateHref string
	Max          string
	// Error is why the last upload could not be read.
	Error  string
	Result *populationResult
}

// populationRow is one node's figures.
type populationRow struct {
	Code, Name, Href string
	Known            bool
	Year             int
	// Cells are the bands' counts (placeholders when not Known).
	Cells []int
	Total int
	// Source says where the figures come from: imported for the node, or
	// summed (completely or partly) from its child nodes.
	Source  string
	Partial bool
}

// populationResult is the report of an upload.
type populationResult struct {
	FileName, Format, Message string
	DryRun, Committed         bool
	Rejected                  bool
	Rows, Invalid             int
	Created, Updated          int
	Unchanged                 int
	Errors                    []census.RowError
	MoreErrors                int
	// Token names the kept file of a clean dry run, for its commit; the
	// commit form carries the CSRF token and the node shown.
	Token             string
	CSRFToken, Region string
}

// populationHref is the population page of a node.
func populationHref(v access.Viewer, code string) string {
	if code == scopeRoot(v) {
		return "/population"
	}
	return "/population?region=" + code
}

func (w *Web) populationService() *population.Service {
	return population.New(w.app.DB, w.app.Regions)
}

func (w *Web) population(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesPopulation(id.Viewer) {
		return notFound
	}
	return w.renderPopulation(rw, r, id, http.StatusOK, queryValue(r, "region"), "", nil)
}

// renderPopulation renders the page of node code with an upload's error
// or result.
func (w *Web) renderPopulation(rw http.ResponseWriter, r *http.Request, id authn.Identity, status int, code, uploadErr string, res *populationResult) error {
	v := id.Viewer
	ctx := r.Context()
	lg := langOf(r)
	p := populationPage{Layout: w.layout(r, id, lg.T("title.population")), Error: uploadErr, Result: res,
		CanImport: population.MayImport(v), TemplateHref: "/api/v1/population/template", Max: fmt.Sprintf("%d MB", api.MaxUpload>>20)}
	var err error
	p.Crumbs, err = w.regionNav(ctx, lg, v, code, func(c string) string { return populationHref(v, c) })
	if err != nil {
		return err
	}
	p.Crumbs.ID = "region-breadcrumb"
	code = p.Crumbs.Current
	p.Region, p.KidLevel = code, p.Crumbs.KidLevel
	for _, b := range population.Bands {
		p.Bands = append(p.Bands, lg.T("population.band."+b))
	}
	if res != nil {
		res.CSRFToken, res.Region = p.CSRFToken, code
	}
	l, err := w.populationService().List(ctx, v, code)
	if err != nil {
		return err
	}
	row := func(e population.Entry, name string, drill bool) populationRow {
		pr := populationRow{Code: e.Code, Name: name}
		if drill {
			pr.Href = populationHref(v, e.Code)
		}
		f := e.Figures
		if f == nil {
			pr.Source, pr.Cells = lg.T("population.source.none"), make([]int, len(population.Bands))
			return pr
		}
		pr.Known, pr.Year, pr.Total = true, f.Year, f.Total()
		for _, b := range population.Bands {
			pr.Cells = append(pr.Cells, f.Bands[b])
		}
		switch {
		case f.Declared:
			pr.Source = lg.T("population.source.declared")
		case f.Complete:
			pr.Source = lg.T("population.source.derived", f.ChildNodes)
		default:
			pr.Source, pr.Partial = lg.T("population.source.partial", f.Contributing, f.ChildNodes), true
		}
		return pr
	}
	p.Node = row(l.Node, p.Crumbs.CurrentName, false)
	for _, e := range l.Children {
		if !inScope(v, e.Code) {
			continue
		}
		p.Rows = append(p.Rows, row(e, shortName(e.Name), regions.LevelOf(e.Code) < regions.Village))
	}
	w.render(rw, r, status, "population", p)
	return nil
}

// populationResultOf is the view of an import's result.
func populationResultOf(res *population.Result) *populationResult {
	pr := &populationResult{FileName: res.FileName, Format: res.Format, Message: res.Message(), DryRun: res.DryRun, Committed: res.Committed,
		Rejected: !res.DryRun && res.Invalid > 0, Rows: res.Rows, Invalid: res.Invalid, Created: res.Created, Updated: res.Updated,
		Unchanged: res.Unchanged, Errors: res.Errors}
	if len(pr.Errors) > shownErrors {
		pr.Errors, pr.MoreErrors = pr.Errors[:shownErrors], len(res.Errors)-shownErrors
	}
	return pr
}

// populationUpload imports an uploaded population file: a dry run keeps a
// clean file for its commit; a commit writes it.
func (w *Web) populationUpload(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesPopulation(v) || !population.MayImport(v) {
		return notFound
	}
	lg := langOf(r)
	region := r.FormValue("region")
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return w.renderPopulation(rw, r, id, http.StatusUnprocessableEntity, region, lg.T("import.err.file"), nil)
	}
	defer f.Close()
	if hdr.Size > api.MaxUpload {
		return w.renderPopulation(rw, r, id, http.StatusUnprocessableEntity, region, lg.T("import.bad_upload.message"), nil)
	}
	name := filepath.Base(strings.ReplaceAll(hdr.Filename, `\`, "/"))
	if name == "" || name == "." || name == "/" {
		name = "人口数据"
	}
	path, err := saveTemp(f, name)
	if err != nil {
		return err
	}
	dry := r.FormValue("dry_run") != ""
	return w.runPopulation(rw, r, id, region, path, name, dry)
}

// populationCommit imports the kept file of a clean dry run.
func (w *Web) populationCommit(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesPopulation(v) || !population.MayImport(v) {
		return notFound
	}
	u, ok := w.uploads.take(r.FormValue("token"), v.UserID)
	if !ok || u.kind != populationKind {
		return notFound
	}
	return w.runPopulation(rw, r, id, r.FormValue("region"), u.path, u.name, false)
}

// runPopulation imports the file at path and renders the page with the
// result; the file is removed, or kept for the commit of a clean dry run.
func (w *Web) runPopulation(rw http.ResponseWriter, r *http.Request, id authn.Identity, region, path, name string, dry bool) error {
	v := id.Viewer
	keep := false
	defer func() {
		if !keep {
			os.Remove(path)
		}
	}()
	res, err := w.populationService().Import(r.Context(), v, path, population.Options{DryRun: dry, FileName: name})
	if errs.Is(err, errs.Invalid) {
		return w.renderPopulation(rw, r, id, http.StatusUnprocessableEntity, region, errs.As(err).Message, nil)
	}
	if err != nil {
		return err
	}
	view := populationResultOf(res)
	status := http.StatusOK
	if view.Rejected {
		status = http.StatusUnprocessableEntity
	}
	if dry && res.Invalid == 0 && res.Valid > 0 {
		b := make([]byte, 16)
		rand.Read(b)
		view.Token = hex.EncodeToString(b)
		w.uploads.put(view.Token, keptUpload{userID: v.UserID, path: path, name: name, kind: populationKind, at: time.Now()})
		keep = true
	}
	return w.renderPopulation(rw, r, id, status, region, "", view)
}
