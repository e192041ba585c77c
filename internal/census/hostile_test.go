package census_test

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"guanai/internal/census"
	"guanai/internal/errs"
)

func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func zipOf(t testing.TB, entries map[string][]byte, method uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	zw.Close()
	return buf.Bytes()
}

// Files that are not census spreadsheets, or are hostile, get a clear
// Chinese error and never a panic or a half-read.
func TestHostileFiles(t *testing.T) {
	_, s := setup(t)
	many := map[string][]byte{}
	for i := range 1200 {
		many[strings.Repeat("x", 3)+string(rune('a'+i%26))+"/"+string(rune('a'+i/26))] = []byte("x")
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"空.csv", nil, "文件是空的"},
		{"图片.png", append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 100)...), "文件不是电子表格"},
		{"旧版.xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...), "旧版 Excel"},
		{"坏.xlsx", []byte("PK\x03\x04 broken"), "压缩包已损坏"},
		{"穿越.xlsx", zipOf(t, map[string][]byte{"../../etc/passwd": []byte("x"), "[Content_Types].xml": []byte("<x/>")}, zip.Deflate), "不安全的路径"},
		{"绝对.xlsx", zipOf(t, map[string][]byte{"/etc/passwd": []byte("x")}, zip.Deflate), "不安全的路径"},
		{"多.xlsx", zipOf(t, many, zip.Store), "超过了1000个的上限"},
		{"炸弹.xlsx", zipOf(t, map[string][]byte{"xl/worksheets/sheet1.xml": bytes.Repeat([]byte{'A'}, 64<<20)}, zip.Deflate), "压缩比异常"},
		{"无表头.csv", []byte("a,b,c\n1,2,3\n"), "没有找到可以识别的表头"},
		{"无身份证列.csv", []byte("姓名,性别\n张三,男\n"), "没有“身份证号码”列"},
		{"重复列.csv", []byte("身份证号码,身份证号,姓名\n"), "重复的列"},
		{"引号.csv", []byte("身份证号码,姓名\n\"1,\"2\"x\n"), ""},
	}
	for _, c := range cases {
		res, err := s.Import(context.Background(), officer, census.Children, writeFile(t, c.name, c.data), census.Options{DryRun: true})
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(errs.As(err).Message, c.want) || errs.CodeOf(err) != errs.Invalid {
			t.Errorf("%s: got %v (result %+v), want an invalid error with %q", c.name, err, res, c.want)
		}
	}
	// An upload over the size limit is refused before it is read.
	_, _, err := s.ImportReader(context.Background(), officer, census.Children, bytes.NewReader(make([]byte, 2<<20)), 1<<20, census.Options{DryRun: true})
	if err == nil || !strings.Contains(errs.As(err).Message, "超过 1 MB") {
		t.Errorf("oversized upload: %v", err)
	}
	// Scientific notation in a CSV (Excel's 5.30524E+17) is explained.
	rows := [][]string{childHeader, childRow(1, "科学")}
	rows[1][0] = "5.30524E+17"
	res := importFile(t, s, officer, census.Children, writeCSV(t, rows, "bom"), true)
	if !hasError(res, 2, "身份证号码", "5.30524E+17") || !hasError(res, 2, "身份证号码", "文本") {
		t.Errorf("E+17: %s", dump(res))
	}
}
