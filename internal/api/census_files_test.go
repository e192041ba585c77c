package api_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/idcard"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// upload sends a file as the body of an import.
func (e *env) upload(want int, as, path, contentType string, data []byte) resp {
	e.t.Helper()
	r := e.send("POST", path, raw(data), http.Header{"X-Test-Viewer": {as}, "Content-Type": {contentType}})
	if r.Status != want {
		e.t.Fatalf("POST %s as %s: status %d, want %d\n%s", path, as, r.Status, want, r.Body)
	}
	return r
}

func censusCSV(rows ...[]string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"身份证号码", "姓名", "性别", "出生日期", "民族", "户籍类型", "县（市、区）", "乡（镇、街道）", "村（社区）", "父亲情况", "母亲情况", "备注"})
	w.WriteAll(rows)
	return buf.Bytes()
}

func censusRow(seq int, name string) []string {
	birth := yearsAgo(10)
	return []string{idcard.Generate("530524", birth, seq, "F"), name, "女", birth.Format("2006-01-02"), "彝族", "农村", "昌宁县", "大田坝镇", "文沧村", "外出务工", "外出务工", "=1+1"}
}

// driveCensusFileRoutes is the part of TestResponsesMatchSchema for census
// files: templates, imports (dry run, commit, rejected commit), reports
// and exports.
func driveCensusFileRoutes(t *testing.T, e *env) {
	const S = asSystem
	for _, k := range []string{"children", "elders"} {
		r := e.expect(200, asScoped, "GET", "/api/v1/imports/"+k+"/template", nil)
		if _, err := excelize.OpenReader(bytes.NewReader(r.Body)); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), xlsxType) {
			t.Errorf("template %s: %v %s", k, err, r.Header.Get("Content-Type"))
		}
	}
	e.expect(404, S, "GET", "/api/v1/imports/schools/template", nil)

	good := censusCSV(censusRow(201, "导入一"), censusRow(202, "导入二"))
	r := e.upload(200, asScoped, "/api/v1/imports/children?dry_run=true&file_name=名单.csv", "text/csv", good)
	m := r.JSON(t)
	if m["created"] != float64(2) || m["committed"] != false || m["report_url"] == "" {
		t.Errorf("dry run: %s", r.Body)
	}
	rep := e.expect(200, asScoped, "GET", m["report_url"].(string), nil)
	if !strings.HasPrefix(rep.Header.Get("Content-Type"), xlsxType) || !strings.Contains(rep.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Errorf("report download: %v", rep.Header)
	}
	e.expect(404, asReadOnly, "GET", m["report_url"].(string), nil) // not the uploader
	e.expect(404, asScoped, "GET", "/api/v1/import-reports/"+unknownID, nil)
	r = e.upload(200, asScoped, "/api/v1/imports/children", "text/csv", good)
	if m := r.JSON(t); m["committed"] != true || m["created"] != float64(2) {
		t.Errorf("commit: %s", r.Body)
	}
	bad := censusCSV(censusRow(203, "导入三"), append(censusRow(204, ""), "x"))
	r = e.upload(422, asScoped, "/api/v1/imports/children", "text/csv", bad)
	var rej struct {
		Error  struct{ Code, Message string }
		Result struct {
			Invalid int
			Errors  []struct {
				Row            int
				Column, Reason string
			}
		}
	}
	r.Decode(t, &rej)
	if rej.Error.Code != "invalid" || rej.Result.Invalid != 1 || len(rej.Result.Errors) != 1 || rej.Result.Errors[0].Row != 3 || rej.Result.Errors[0].Column != "姓名" {
		t.Errorf("rejected commit: %s", r.Body)
	}
	e.upload(422, asScoped, "/api/v1/imports/children", "application/octet-stream", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00"))
	e.upload(400, asScoped, "/api/v1/imports/children", "text/html", good)
	e.upload(404, asScoped, "/api/v1/imports/teachers", "text/csv", good)
	e.upload(403, asReadOnly, "/api/v1/imports/children", "text/csv", good)
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"身份证号码", "姓名", "性别", "出生日期", "村（社区）代码", "居住情况"})
	birth := yearsAgo(70)
	x.SetSheetRow("Sheet1", "A2", &[]any{idcard.Generate("530524", birth, 20, "M"), "导入老人", "男", birth.Format("2006-01-02"), wencang, "独居"})
	var xb bytes.Buffer
	x.Write(&xb)
	r = e.upload(200, asScoped, "/api/v1/imports/elders?dry_run=true", xlsxType, xb.Bytes())
	if m := r.JSON(t); m["created"] != float64(1) {
		t.Errorf("elders dry run: %s", r.Body)
	}

	// Exports: the list's filters, formats, masking.
	r = e.expect(200, S, "GET", "/api/v1/children/export?format=csv&region=530524&q=导入", nil)
	body := string(r.Body)
	if !strings.HasPrefix(body, "\ufeff身份证号码") || !strings.Contains(body, "5305**********") || !strings.Contains(body, "'=1+1") || strings.Count(body, "\r\n") != 3 {
		t.Errorf("children CSV export:\n%s", body)
	}
	r = e.expect(200, S, "GET", "/api/v1/children/export?reveal=id_number&q=导入", nil)
	if _, err := excelize.OpenReader(bytes.NewReader(r.Body)); err != nil {
		t.Errorf("children xlsx export: %v", err)
	}
	e.expect(422, S, "GET", "/api/v1/children/export?format=pdf", nil)
	e.expect(422, S, "GET", "/api/v1/children/export?category=orphan", nil)
	e.expect(200, asScoped, "GET", "/api/v1/elders/export?format=csv", nil)
	e.expect(422, S, "GET", "/api/v1/elders/export?living=nomad", nil)
	e.expect(200, S, "GET", "/api/v1/schools/export?region=5305", nil)
	e.expect(422, S, "GET", "/api/v1/schools/export?format=doc", nil)
}
