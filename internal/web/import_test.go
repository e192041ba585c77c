package web_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"guanai/internal/access"
	"guanai/internal/api"
	"guanai/internal/authn"
	"guanai/internal/children"
	"guanai/internal/idcard"
	"guanai/internal/web"
)

// withAPI serves the API beside the pages, as cmd/guanai does, so that the
// pages' download links (templates, reports, exports) work.
func withAPI(c *census) {
	auth := &authn.Authenticator{Accounts: c.e.a.Accounts}
	log := slog.New(slog.NewTextHandler(c.e.log, nil))
	mux := http.NewServeMux()
	mux.Handle("/api/", api.New(c.e.a, auth.Identify, log))
	mux.Handle("/", web.New(c.e.a, auth, log))
	c.e.srv.Close()
	c.e.srv = httptest.NewServer(mux)
	c.e.t.Cleanup(c.e.srv.Close)
}

// importCSV is a children file as an official fills in the template.
func importCSV(rows ...[]string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"身份证号码", "姓名", "性别", "出生日期", "民族", "户籍类型", "县（市、区）", "乡（镇、街道）", "村（社区）", "父亲情况", "母亲情况", "备注"})
	w.WriteAll(rows)
	return buf.Bytes()
}

func importRow(seq int, name string) []string {
	birth := time.Date(2016, 4, 1, 0, 0, 0, 0, time.UTC)
	return []string{idcard.Generate("530524", birth, seq, "F"), name, "女", birth.Format("2006-01-02"), "彝族", "农村",
		"昌宁县", "大田坝镇", "文沧村", "外出务工", "外出务工", ""}
}

// upload posts the upload form with file.
func (cl *client) upload(kind, name string, file []byte, dry bool) page {
	cl.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", cl.csrf)
	mw.WriteField("kind", kind)
	if dry {
		mw.WriteField("dry_run", "1")
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", cl.e.srv.URL+"/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return cl.do(req)
}

// waitJob polls the job page (as htmx does) until the import is done and
// returns the whole page.
func (cl *client) waitJob(path string) page {
	cl.e.t.Helper()
	p := cl.get(path)
	if p.status != http.StatusOK {
		cl.e.t.Fatalf("job page %s: %d\n%s", path, p.status, p.body)
	}
	for i := 0; i < 200; i++ {
		f := cl.hx(path, "import-job-view")
		if f.status != http.StatusOK {
			cl.e.t.Fatalf("job fragment: %d\n%s", f.status, f.body)
		}
		v := first(f.doc, "#import-job-view")
		if _, polling := attr(v, "hx-trigger"); !polling {
			return cl.get(path)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cl.e.t.Fatalf("job %s never finished", path)
	return page{}
}

// download fetches a file through the pages' and the API's server.
func (cl *client) download(href string) (*http.Response, []byte) {
	cl.e.t.Helper()
	req, _ := http.NewRequest("GET", cl.e.srv.URL+href, nil)
	resp, err := cl.http.Do(req)
	if err != nil {
		cl.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestImportPage uploads a children file as an officer: the dry run finds
// the bad row, the report downloads, a clean file's dry run offers the
// commit, and the commit creates the children.
func TestImportPage(t *testing.T) {
	c := newCensus(t)
	withAPI(c)
	o := c.as("officer")
	others := map[string]*client{"mentor": c.as("mentor"), "leader": c.as("leader")}

	form := o.get("/import")
	if form.status != http.StatusOK || first(form.doc, "#import-form") == nil || !has(navLabels(form.doc), "导入") {
		t.Fatalf("import form: %d\n%s", form.status, form.body)
	}
	if d := first(form.doc, "#import-dry-run"); !hasAttr(d, "checked") {
		t.Error("dry run not checked by default")
	}
	for _, a := range sel(form.doc, "#import-templates a") {
		href, _ := attr(a, "href")
		resp, b := o.download(href)
		if resp.StatusCode != 200 || !bytes.HasPrefix(b, []byte("PK")) {
			t.Errorf("template %s: %d", href, resp.StatusCode)
		}
	}

	// A file with a bad row: the dry run reports it.
	bad := importRow(303, "")
	bad[3] = "2016-13-45"
	p := o.upload("children", "名单.csv", importCSV(importRow(301, "导入甲"), importRow(302, "导入乙"), bad), true)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/import/") {
		t.Fatalf("upload: %d %s\n%s", p.status, p.location(), p.body)
	}
	job := p.location()
	if r := others["leader"].get(job); r.status != http.StatusNotFound {
		t.Errorf("leader opens the officer's job: %d", r.status)
	}
	done := o.waitJob(job)
	if got := byID(done.doc, "count-rows") + "/" + byID(done.doc, "count-invalid") + "/" + byID(done.doc, "count-created"); got != "3/1/2" {
		t.Errorf("counts rows/invalid/created %s\n%s", got, done.body)
	}
	rowsInError := map[string]bool{}
	for _, tr := range sel(done.doc, "#import-errors tbody tr") {
		rowsInError[text(first(tr, "td"))] = true
	}
	if !rowsInError["4"] || len(rowsInError) != 1 {
		t.Errorf("rows in error %v, want the bad row (file row 4)\n%s", rowsInError, text(first(done.doc, "#import-errors")))
	}
	if first(done.doc, "#import-commit") != nil {
		t.Error("commit offered after a dry run with errors")
	}
	rep, _ := attr(first(done.doc, "#import-report"), "href")
	resp, b := o.download(rep)
	if resp.StatusCode != 200 {
		t.Fatalf("report %s: %d %s", rep, resp.StatusCode, b)
	}
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, sh := range x.GetSheetList() {
		rows, _ := x.GetRows(sh)
		for _, r := range rows {
			found = found || strings.Contains(strings.Join(r, "|"), bad[0])
		}
	}
	if !found {
		t.Error("the report does not hold the bad row")
	}

	// A clean file: the dry run offers the commit, which creates both.
	p = o.upload("children", "名单.csv", importCSV(importRow(301, "导入甲"), importRow(302, "导入乙")), true)
	done = o.waitJob(p.location())
	if first(done.doc, "#import-commit") == nil {
		t.Fatalf("no commit after a clean dry run\n%s", done.body)
	}
	if n := childrenNamed(t, c, "导入"); n != 0 {
		t.Fatalf("the dry run wrote %d children", n)
	}
	action, _ := attr(first(done.doc, "#import-commit"), "action")
	p = o.post(action, nil)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/import/") {
		t.Fatalf("commit: %d %s\n%s", p.status, p.location(), p.body)
	}
	done = o.waitJob(p.location())
	if got := byID(done.doc, "count-created"); got != "2" {
		t.Errorf("committed created %q\n%s", got, done.body)
	}
	if n := childrenNamed(t, c, "导入"); n != 2 {
		t.Errorf("after the commit: %d children", n)
	}
	// The kept file went with the commit: a second commit finds nothing.
	if r := o.post(action, nil); r.status != http.StatusNotFound {
		t.Errorf("second commit: %d", r.status)
	}

	// No file.
	if r := o.post("/import", url.Values{"kind": {"children"}}); r.status != http.StatusUnprocessableEntity || first(r.doc, "#import-error") == nil {
		t.Errorf("upload without a file: %d", r.status)
	}
	// Roles that do not write the census.
	for _, role := range []string{"mentor", "leader"} {
		cl := others[role]
		if r := cl.get("/import"); r.status != http.StatusNotFound {
			t.Errorf("%s GET /import: %d", role, r.status)
		}
		if has(navLabels(cl.get("/").doc), "导入") {
			t.Errorf("%s sees the import link", role)
		}
		if r := cl.upload("children", "名单.csv", importCSV(importRow(304, "导入丙")), false); r.status != http.StatusNotFound {
			t.Errorf("%s POST /import: %d", role, r.status)
		}
	}
}

func childrenNamed(t *testing.T, c *census, q string) int {
	t.Helper()
	p, err := c.e.a.Children.List(ctx, access.System(), children.Filter{Query: q, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return p.Total
}

// TestExportLinks checks that the lists' export links carry the filters
// and download through the API, and that the reveal form is offered only
// to roles that may see ID numbers.
func TestExportLinks(t *testing.T) {
	c := newCensus(t)
	withAPI(c)
	o := c.as("officer")
	p := o.get("/children?region=" + wencang + "&q=李&age=6-11&sex=M")
	href, _ := attr(first(p.doc, "#export-csv"), "href")
	u, err := url.Parse(href)
	if err != nil || u.Path != "/api/v1/children/export" {
		t.Fatalf("export link %q", href)
	}
	q := u.Query()
	for k, v := range map[string]string{"region": wencang, "q": "李", "age_min": "6", "age_max": "11", "sex": "M", "format": "csv"} {
		if q.Get(k) != v {
			t.Errorf("export link %s: %s=%q, want %q", href, k, q.Get(k), v)
		}
	}
	if q.Has("reveal") {
		t.Errorf("export link reveals: %s", href)
	}
	resp, b := o.download(href)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "李小明") {
		t.Errorf("CSV export: %d\n%s", resp.StatusCode, b)
	}
	if strings.Contains(string(b), c.child.IDNumber) {
		t.Error("the plain export shows the full ID number")
	}
	// The reveal form: its hidden fields are the filters.
	f := first(p.doc, "#export-reveal")
	if f == nil {
		t.Fatalf("no reveal form for the officer\n%s", p.body)
	}
	if inputValue(f, "region") != wencang || inputValue(f, "age_min") != "6" {
		t.Errorf("reveal form fields: region %q age_min %q", inputValue(f, "region"), inputValue(f, "age_min"))
	}
	q.Set("reveal", "id_number")
	resp, b = o.download(u.Path + "?" + q.Encode())
	if resp.StatusCode != 200 || !strings.Contains(string(b), c.child.IDNumber) {
		t.Errorf("revealed export: %d\n%s", resp.StatusCode, b)
	}
	// Elders and schools carry theirs.
	e := o.get("/elders?living=spouse&q=王")
	if href, _ := attr(first(e.doc, "#export-xlsx"), "href"); !strings.HasPrefix(href, "/api/v1/elders/export?") ||
		!strings.Contains(href, "living=spouse") || !strings.Contains(href, "format=xlsx") {
		t.Errorf("elders export link %q", href)
	}
	s := o.get("/schools?q=大田坝")
	href, _ = attr(first(s.doc, "#export-xlsx"), "href")
	if !strings.HasPrefix(href, "/api/v1/schools/export?") || !strings.Contains(href, "q="+url.QueryEscape("大田坝")) {
		t.Errorf("schools export link %q", href)
	}
	if resp, b := o.download(href); resp.StatusCode != 200 || !bytes.HasPrefix(b, []byte("PK")) {
		t.Errorf("schools export: %d", resp.StatusCode)
	}
	if first(s.doc, "#export-reveal") != nil {
		t.Error("reveal offered on the schools list")
	}
}
