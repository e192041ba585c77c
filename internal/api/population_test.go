package api_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// drivePopulationRoutes is the part of TestResponsesMatchSchema for the
// population table: its template, import and listing.
func drivePopulationRoutes(t *testing.T, e *env) {
	const S = asSystem
	r := e.expect(200, asReadOnly, "GET", "/api/v1/population/template", nil)
	if _, err := excelize.OpenReader(bytes.NewReader(r.Body)); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), xlsxType) {
		t.Errorf("population template: %v %s", err, r.Header.Get("Content-Type"))
	}
	good := []byte("区划代码,年份,0-5岁,6-11岁,12-14岁,15-17岁\n530524107000,2024,1650,2380,1120,1040\n530524101000,2024,100,200,300,400\n")
	r = e.upload(200, asScoped, "/api/v1/population/import?dry_run=true&file_name=人口.csv", "text/csv", good)
	if m := r.JSON(t); m["created"] != float64(2) || m["committed"] != false {
		t.Errorf("population dry run: %s", r.Body)
	}
	r = e.upload(200, asScoped, "/api/v1/population/import", "text/csv", good)
	if m := r.JSON(t); m["committed"] != true || m["derived"] != float64(4) {
		t.Errorf("population commit: %s", r.Body)
	}
	bad := []byte("区划代码,年份,0-5岁,6-11岁,12-14岁,15-17岁\n530524107000,2024,-1,2380,1120,1040\n")
	r = e.upload(422, asScoped, "/api/v1/population/import", "text/csv", bad)
	if !strings.Contains(string(r.Body), "儿童人数不能为负数") {
		t.Errorf("population rejected: %s", r.Body)
	}
	e.upload(422, asScoped, "/api/v1/population/import", "text/csv", []byte("姓名,性别\n张三,男\n"))
	e.upload(422, asScoped, "/api/v1/population/import?dry_run=maybe", "text/csv", good)
	e.upload(400, asScoped, "/api/v1/population/import", "text/html", good)
	e.upload(403, asReadOnly, "/api/v1/population/import", "text/csv", good)

	r = e.expect(200, asScoped, "GET", "/api/v1/population", nil)
	var l struct {
		Node struct {
			Code    string
			Figures *struct {
				Declared, Complete bool
				Contributing       int `json:"contributing"`
				ChildNodes         int `json:"child_nodes"`
				Bands              map[string]int
			}
		}
		Children []struct {
			Code    string
			Figures *struct{ Declared bool }
		}
	}
	r.Decode(t, &l)
	if l.Node.Code != "530524000000" || l.Node.Figures == nil || l.Node.Figures.Declared || l.Node.Figures.Complete ||
		l.Node.Figures.Contributing != 2 || l.Node.Figures.Bands["15+"] != 1440 || len(l.Children) != 13 {
		t.Errorf("population of the county: %s", r.Body)
	}
	e.expect(200, S, "GET", "/api/v1/population?region=0", nil)
	e.expect(200, asReadOnly, "GET", "/api/v1/population?region=530524107", nil)
	e.expect(404, asScoped, "GET", "/api/v1/population?region=5301", nil)
	e.expect(404, asScoped, "GET", "/api/v1/population?region=0", nil)
	e.expect(422, asScoped, "GET", "/api/v1/population?region=abc", nil)
}
