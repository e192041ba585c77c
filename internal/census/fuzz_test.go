package census_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/access"
	"guanai/internal/apptest"
	"guanai/internal/census"
	"guanai/internal/errs"
)

func fuzzImport(t *testing.T, s *census.Service, k census.Kind, name string, data []byte) {
	p := writeFile(t, name, data)
	res, err := s.Import(context.Background(), access.System(), k, p, census.Options{DryRun: true})
	if err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid {
			t.Fatalf("error not invalid (%s): %v", c, err)
		}
		return
	}
	if res.Rows != res.Valid+res.Invalid {
		t.Fatalf("rows %d ≠ valid %d + invalid %d", res.Rows, res.Valid, res.Invalid)
	}
}

// FuzzImportCSV feeds arbitrary bytes to the CSV path: never a panic, only
// results or errs.Invalid.
func FuzzImportCSV(f *testing.F) {
	f.Add([]byte("身份证号码,姓名,性别,出生日期,民族,户籍类型,村（社区）代码,父亲情况,母亲情况\n530524201703080039,张三,男,2017-03-08,汉族,农村,530524107202,外出务工,外出务工\n"))
	f.Add([]byte("\ufeff身份证号,姓名\n5.30524E+17,李四\n\"x\"\"y\",\"\n"))
	f.Add([]byte("\xc9\xed\xb7\xdd\xd6\xa4\xba\xc5,\xd0\xd5\xc3\xfb\n1,2\n")) // GBK
	f.Add([]byte("\xff\xfe\xab\x8e"))
	f.Add([]byte("身份证号码\t姓名\t县\t乡镇\t村\n1\t2\t昌宁县\t大田坝镇\t文沧村\n"))
	s := census.New(apptest.New(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		fuzzImport(t, s, census.Children, "f.csv", data)
	})
}

// FuzzImportXLSX feeds arbitrary bytes after a zip header, and mutated
// real workbooks, to the XLSX path.
func FuzzImportXLSX(f *testing.F) {
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"身份证号码", "姓名", "出生日期", "村（社区）"})
	x.SetSheetRow("Sheet1", "A2", &[]any{5.30524201703080e17, "张三", 42800, "文沧村"})
	var buf bytes.Buffer
	x.Write(&buf)
	f.Add(buf.Bytes())
	var tmpl bytes.Buffer
	census.Template(census.Elders, &tmpl)
	f.Add(tmpl.Bytes())
	f.Add([]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"))
	s := census.New(apptest.New(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		copy(data, "PK\x03\x04")
		fuzzImport(t, s, census.Elders, "f.xlsx", data)
	})
}
