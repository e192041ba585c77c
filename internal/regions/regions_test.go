package regions_test

import (
	"os"
	"strings"
	"testing"

	"guanai/internal/errs"
	"guanai/internal/regions"
	"guanai/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

func TestNormalize(t *testing.T) {
	for _, c := range []struct {
		in, want string
		bad      bool
	}{
		{"53", "530000000000", false},
		{"5305", "530500000000", false},
		{"530524", "530524000000", false},
		{"530524107", "530524107000", false},
		{"530524107202", "530524107202", false},
		{" 530524 ", "530524000000", false},
		{"", regions.Root, false},
		{"5", "", true},
		{"530", "", true},
		{"53052", "", true},
		{"5305241072", "", true},
		{"5305241072021", "", true},
		{"53052410720a", "", true},
		{"五三", "", true},
		{"-53052410720", "", true},
		{"00", "", true},
		{"000000000000", "", true},
	} {
		got, err := regions.Normalize(c.in)
		if c.bad {
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("Normalize(%q) = %q, %v; want an invalid error", c.in, got, err)
			} else if msg := errs.As(err).Message; !strings.Contains(msg, "行政区划代码") || !strings.Contains(msg, c.in) {
				t.Errorf("Normalize(%q) message %q does not name the value", c.in, msg)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestLevelOfParentOf(t *testing.T) {
	for _, c := range []struct {
		code   string
		level  regions.Level
		parent string
	}{
		{"530000000000", regions.Province, ""},
		{"530500000000", regions.Prefecture, "530000000000"},
		{"530524000000", regions.County, "530500000000"},
		{"530524107000", regions.Township, "530524000000"},
		{"530524107202", regions.Village, "530524107000"},
		{"110101001001", regions.Village, "110101001000"},
		{"530524100000", regions.Township, "530524000000"}, // township group "100"
		{"530524107010", regions.Village, "530524107000"},
		// 东莞市 has no counties: its townships hang from the prefecture.
		{"441900003000", regions.Township, "441900000000"},
		{"441900003001", regions.Village, "441900003000"},
		{"441900000000", regions.Prefecture, "440000000000"},
		{regions.Root, 0, ""},
		{"000000000000", 0, ""},
		{"5305", 0, ""},
		{"53052410720", 0, ""},
		{"53052410720x", 0, ""},
	} {
		if got := regions.LevelOf(c.code); got != c.level {
			t.Errorf("LevelOf(%q) = %d, want %d", c.code, got, c.level)
		}
		if got := regions.ParentOf(c.code); got != c.parent {
			t.Errorf("ParentOf(%q) = %q, want %q", c.code, got, c.parent)
		}
	}
}

func TestLevelName(t *testing.T) {
	want := map[regions.Level]string{0: "全国", 1: "省级", 2: "地级", 3: "县级", 4: "乡级", 5: "村级", 6: ""}
	for l, name := range want {
		if got := l.Name(); got != name {
			t.Errorf("Level(%d).Name() = %q, want %q", l, got, name)
		}
	}
}

func TestRange(t *testing.T) {
	for _, c := range []struct{ code, lo, hi string }{
		{"530000000000", "530000000000", "540000000000"},
		{"530500000000", "530500000000", "530600000000"},
		{"530524000000", "530524000000", "530525000000"},
		{"530524107000", "530524107000", "530524108000"},
		{"530524107202", "530524107202", "530524107203"},
		{"530524199000", "530524199000", "530524200000"},
		{"530599000000", "530599000000", "530600000000"},
		{"530524107999", "530524107999", "530524108000"},
	} {
		lo, hi := regions.Range(c.code)
		if lo != c.lo || hi != c.hi {
			t.Errorf("Range(%s) = %s..%s, want %s..%s", c.code, lo, hi, c.lo, c.hi)
		}
	}
	for _, bad := range []string{"5305", "000000000000", "53052410720x"} {
		if lo, hi := regions.Range(bad); lo < hi {
			t.Errorf("Range(%q) = %q..%q, want an empty range", bad, lo, hi)
		}
	}
	lo, hi := regions.Range(regions.Root)
	for _, code := range []string{"000000000000", "110000000000", "659999999999", "999999999999"} {
		if !(code >= lo && code < hi) {
			t.Errorf("Range(Root) = %q..%q does not hold %s", lo, hi, code)
		}
	}
}
