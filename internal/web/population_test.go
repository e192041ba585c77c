package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// uploadPopulation posts the population upload form with file.
func (cl *client) uploadPopulation(name string, file []byte, dry bool) page {
	cl.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", cl.csrf)
	mw.WriteField("region", "530524000000")
	if dry {
		mw.WriteField("dry_run", "1")
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", cl.e.srv.URL+"/population", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return cl.do(req)
}

// TestPopulationPage uploads population figures as an officer: a dry run
// with a bad row reports it and offers no commit; a clean dry run offers
// the commit, which writes the figures; the table then shows the declared
// townships and the county's partial sum, in both languages.
func TestPopulationPage(t *testing.T) {
	c := newCensus(t)
	withAPI(c)
	o, leader := c.as("officer"), c.as("leader")

	p := o.get("/population")
	if p.status != http.StatusOK || first(p.doc, "#population-form") == nil || !has(navLabels(p.doc), "人口数据") {
		t.Fatalf("population page: %d\n%s", p.status, p.body)
	}
	href, _ := attr(first(p.doc, "#population-template"), "href")
	if resp, b := o.download(href); resp.StatusCode != 200 || !bytes.HasPrefix(b, []byte("PK")) {
		t.Errorf("template %s: %d", href, resp.StatusCode)
	}
	if l := leader.get("/population"); l.status != http.StatusOK || first(l.doc, "#population-form") != nil {
		t.Errorf("leader: %d, upload form offered: %v", l.status, first(l.doc, "#population-form") != nil)
	}

	bad := []byte("区划代码,年份,0-5岁,6-11岁,12-14岁,15-17岁\n530524107000,2024,1650,2380,1120,1040\n530524101000,2024,很多,1,1,1\n")
	p = o.uploadPopulation("人口.csv", bad, true)
	if p.status != http.StatusOK || first(p.doc, "#population-commit") != nil || !strings.Contains(text(first(p.doc, "#population-errors")), "儿童人数应为整数") {
		t.Fatalf("dry run with a bad row: %d\n%s", p.status, p.body)
	}
	good := []byte("区划代码,年份,0-5岁,6-11岁,12-14岁,15-17岁\n530524107000,2024,1650,2380,1120,1040\n530524101000,2024,100,200,300,400\n")
	p = o.uploadPopulation("人口.csv", good, true)
	commit := first(p.doc, "#population-commit")
	if p.status != http.StatusOK || commit == nil {
		t.Fatalf("clean dry run: %d\n%s", p.status, p.body)
	}
	token := inputValue(commit, "token")
	if r := leader.post("/population/commit", url.Values{"token": {token}}); r.status != http.StatusNotFound {
		t.Errorf("leader commits the officer's file: %d", r.status)
	}
	p = o.post("/population/commit", url.Values{"token": {token}, "region": {"530524000000"}})
	if p.status != http.StatusOK || !strings.Contains(byID(p.doc, "population-summary"), "已导入2行") {
		t.Fatalf("commit: %d\n%s", p.status, p.body)
	}
	if r := o.post("/population/commit", url.Values{"token": {token}}); r.status != http.StatusNotFound {
		t.Errorf("commit twice: %d", r.status)
	}
	if got := text(first(p.doc, "#population-530524107000")); !strings.Contains(got, "1650") || !strings.Contains(got, "本级导入") {
		t.Errorf("大田坝镇 row: %q", got)
	}
	if got := byID(p.doc, "population-total"); !strings.Contains(got, "1750") || !strings.Contains(got, "2/13") {
		t.Errorf("county total: %q", got)
	}
	// A commit of a bad file without a dry run is refused whole.
	if r := o.uploadPopulation("人口.csv", bad, false); r.status != http.StatusUnprocessableEntity || !strings.Contains(byID(r.doc, "population-summary"), "未导入任何数据") {
		t.Errorf("bad commit: %d\n%s", r.status, r.body)
	}
	if r := o.uploadPopulation("x.csv", []byte("姓名,性别\n张三,男\n"), true); r.status != http.StatusUnprocessableEntity || !strings.Contains(byID(r.doc, "population-error"), "表头") {
		t.Errorf("unreadable file: %d\n%s", r.status, r.body)
	}
	// Drill down to the township, in English.
	o.get("/lang?to=en")
	p = o.get("/population?region=530524107000")
	if p.status != http.StatusOK || !strings.Contains(byID(p.doc, "population-total"), "Imported") {
		t.Errorf("township in English: %d %q", p.status, byID(p.doc, "population-total"))
	}
}
