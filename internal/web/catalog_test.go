package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"guanai/internal/accounts"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/schools"
)

// TestCatalogIsComplete checks that every text the pages ask for is in
// the catalog in both languages, with the same arguments.
func TestCatalogIsComplete(t *testing.T) {
	need := map[string]bool{} // key → needs Chinese too
	// Keys the templates name: {{t "key" …}}.
	tkey := regexp.MustCompile(`\bt "([a-z_0-9.\-]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(path)
		for _, m := range tkey.FindAllStringSubmatch(string(b), -1) {
			need[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Keys the Go code names: .T("key").
	gkey := regexp.MustCompile(`\.T\("([a-z_0-9.\-]+)"\)`)
	files, _ := filepath.Glob("*.go")
	files = slices.DeleteFunc(files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range gkey.FindAllStringSubmatch(string(b), -1) {
			need[m[1]] = true
		}
	}
	// Keys made from codes.
	for _, n := range notices {
		need["notice."+n] = true
	}
	for _, b := range ageBands {
		need["age."+b.value] = true
	}
	for _, s := range childSorts {
		need["sort."+s.value] = true
	}
	for _, s := range []string{"active", "archived", "all"} {
		need["status."+s] = true
	}
	for _, s := range []string{"create", "edit", "daily", "import"} {
		need["source."+s] = true
	}
	for _, h := range []string{children.HukouRural, children.HukouUrban} {
		need["hukou."+h] = true
	}
	for _, k := range accounts.OrgKinds {
		if k != "" {
			need["org."+k] = true
		}
	}
	// Codes the domain labels in Chinese need English only.
	enOnly := []string{}
	add := func(prefix string, codes ...string) {
		for _, c := range codes {
			enOnly = append(enOnly, prefix+c)
		}
	}
	add("category.", children.Categories...)
	add("reason.", children.ReasonBothAway, children.ReasonAwayIncapable, children.ReasonAwayDeceased, children.ReasonAge16, children.ReasonUrban, children.ReasonParentCares)
	for _, p := range children.ParentStatuses {
		add("parent.", string(p))
	}
	add("difficulty.", children.Difficulties...)
	add("health.", children.HealthFlags...)
	add("health.", elders.HealthFlags...)
	add("disability.", children.Disabilities...)
	add("living.", elders.LivingKinds...)
	add("kind.", schools.Kinds...)
	for g := 0; g <= 12; g++ {
		add("grade.", strconv.Itoa(g))
	}
	for l := 1; l <= 5; l++ {
		need["place."+strconv.Itoa(l)] = true
	}
	add("role.", accounts.Roles...)
	add("sex.", "M", "F")
	for _, a := range auditActions {
		add("action.", a.Value)
	}
	for _, r := range auditRecordTypes {
		add("record.", r.Value)
	}
	for _, k := range enOnly {
		if m, ok := catalog[k]; !ok || m.en == "" {
			t.Errorf("catalog lacks English for %s", k)
		}
	}
	verbs := regexp.MustCompile(`%[sdv]`)
	for k, zhToo := range need {
		m, ok := catalog[k]
		switch {
		case !ok:
			t.Errorf("catalog lacks %s", k)
		case zhToo && m.zh == "":
			t.Errorf("catalog lacks Chinese for %s", k)
		case m.en == "":
			t.Errorf("catalog lacks English for %s", k)
		}
	}
	for k, m := range catalog {
		if m.zh != "" && len(verbs.FindAllString(m.zh, -1)) != len(verbs.FindAllString(m.en, -1)) {
			t.Errorf("%s: the Chinese and English take different arguments: %q / %q", k, m.zh, m.en)
		}
	}
}
