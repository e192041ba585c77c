package idcard

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"guanai/internal/errs"
)

// sample is the standard example from GB 11643-1999: born 1949-12-31, female.
const sample = "11010519491231002X"

// fixedNow is the "now" used by tests that must not depend on the clock.
var fixedNow = time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// withCheck appends the correct check character to 17 digits.
func withCheck(first17 string) string { return first17 + string(CheckDigit(first17)) }

// validNumbers are several valid numbers with both kinds of check character
// and both sexes.
func validNumbers(t *testing.T) []string {
	t.Helper()
	nums := []string{
		sample,
		Generate("530102", date(1990, 1, 1), 61, "M"),
		Generate("440305", date(2012, 5, 3), 0, "F"),
		Generate("650104", date(1900, 2, 28), 499, "M"),
		Generate("820000", date(2000, 2, 29), 250, "F"),
	}
	// Make sure both a digit and X appear as the last character.
	var haveX, haveDigit bool
	for seq := 0; seq < 500 && !(haveX && haveDigit); seq++ {
		n := Generate("320102", date(1985, 10, 7), seq, "F")
		if n[17] == 'X' && !haveX {
			nums, haveX = append(nums, n), true
		}
		if n[17] != 'X' && !haveDigit {
			nums, haveDigit = append(nums, n), true
		}
	}
	for _, n := range nums {
		if _, err := ParseAt(n, fixedNow); err != nil {
			t.Fatalf("fixture %s is not valid: %v", n, err)
		}
	}
	return nums
}

func TestParseSample(t *testing.T) {
	id, err := Parse(sample)
	if err != nil {
		t.Fatalf("Parse(%q): %v", sample, err)
	}
	want := ID{Number: sample, BirthDate: date(1949, 12, 31), Sex: Female, RegionPrefix: "110105"}
	if id != want {
		t.Fatalf("Parse(%q) = %+v, want %+v", sample, id, want)
	}
	if id.BirthDate.Location() != time.UTC {
		t.Errorf("BirthDate location = %v, want UTC", id.BirthDate.Location())
	}
	if !Valid(sample) {
		t.Errorf("Valid(%q) = false", sample)
	}
}

func TestParseNormalises(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{"plain", sample},
		{"lower-case x", "11010519491231002x"},
		{"surrounding spaces", "  11010519491231002X \t\n"},
		{"ideographic space", "\u300011010519491231002x\u3000"},
		{"full-width digits", "１１０１０５１９４９１２３１００２Ｘ"},
		{"full-width lower x", "１１０１０５１９４９１２３１００２ｘ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := ParseAt(tt.in, fixedNow)
			if err != nil {
				t.Fatalf("ParseAt(%q): %v", tt.in, err)
			}
			if id.Number != sample {
				t.Errorf("Number = %q, want %q", id.Number, sample)
			}
		})
	}
}

func TestParseFields(t *testing.T) {
	tests := []struct {
		in     string
		birth  time.Time
		sex    string
		region string
	}{
		{sample, date(1949, 12, 31), Female, "110105"},
		{withCheck("53010219900101123"), date(1990, 1, 1), Male, "530102"},
		{withCheck("44030520000229000"), date(2000, 2, 29), Female, "440305"},
		{withCheck("83000018000101009"), date(1800, 1, 1), Male, "830000"},
		{withCheck("65010420240615998"), date(2024, 6, 15), Female, "650104"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			id, err := ParseAt(tt.in, fixedNow)
			if err != nil {
				t.Fatalf("ParseAt: %v", err)
			}
			if !id.BirthDate.Equal(tt.birth) || id.Sex != tt.sex || id.RegionPrefix != tt.region || id.Number != tt.in {
				t.Errorf("got %+v, want birth %v sex %s region %s", id, tt.birth, tt.sex, tt.region)
			}
		})
	}
}

// TestParseRules checks each rule's error: code, rule, sentinel and message.
func TestParseRules(t *testing.T) {
	tests := []struct {
		name string
		in   string
		now  time.Time
		rule Rule
		want error
		msg  string
	}{
		{"empty", "", fixedNow, RuleLength, ErrLength, "请填写身份证号码"},
		{"blank", "   ", fixedNow, RuleLength, ErrLength, "请填写身份证号码"},
		{"17 digits", "11010519491231002", fixedNow, RuleLength, ErrLength, "身份证号码应为18位，当前为17位"},
		{"19 chars", "11010519491231002X1", fixedNow, RuleLength, ErrLength, "身份证号码应为18位，当前为19位"},
		{"15-digit old form", "110105491231002", fixedNow, RuleLength, ErrLength, "身份证号码应为18位，当前为15位"},
		{"counts characters not bytes", "一二三", fixedNow, RuleLength, ErrLength, "身份证号码应为18位，当前为3位"},
		{"letter at end", "11010519491231002Y", fixedNow, RuleChars, ErrChars, "身份证号码只能由数字组成，最后一位可以是X"},
		{"X in the middle", "1101051949123100X2", fixedNow, RuleChars, ErrChars, "身份证号码只能由数字组成，最后一位可以是X"},
		{"lower x in the middle", "1101051949123100x2", fixedNow, RuleChars, ErrChars, "身份证号码只能由数字组成，最后一位可以是X"},
		{"inner space", "110105 949123100X2", fixedNow, RuleChars, ErrChars, "身份证号码只能由数字组成，最后一位可以是X"},
		{"hyphen", "110105-19491231002", fixedNow, RuleChars, ErrChars, "身份证号码只能由数字组成，最后一位可以是X"},
		{"Chinese characters", "一一〇一〇五一九四九一二三一〇〇二X", fixedNow, RuleChars, ErrChars, "身份证号码只能由数字组成，最后一位可以是X"},
		{"region all zero", withCheck("00000019491231002"), fixedNow, RuleRegion, ErrRegion, "身份证号码中的地区码000000无效"},
		{"province 00", withCheck("00010519491231002"), fixedNow, RuleRegion, ErrRegion, "身份证号码中的地区码000105无效"},
		{"province 10", withCheck("10010519491231002"), fixedNow, RuleRegion, ErrRegion, "身份证号码中的地区码100105无效"},
		{"province 16", withCheck("16010519491231002"), fixedNow, RuleRegion, ErrRegion, "身份证号码中的地区码160105无效"},
		{"province 99", withCheck("99010519491231002"), fixedNow, RuleRegion, ErrRegion, "身份证号码中的地区码990105无效"},
		{"month 13", withCheck("11010519491331002"), fixedNow, RuleBirthDate, ErrBirthDate, "身份证号码中的出生日期19491331无效"},
		{"month 00", withCheck("11010519490031002"), fixedNow, RuleBirthDate, ErrBirthDate, "身份证号码中的出生日期19490031无效"},
		{"day 00", withCheck("11010519491200002"), fixedNow, RuleBirthDate, ErrBirthDate, "身份证号码中的出生日期19491200无效"},
		{"day 32", withCheck("11010519491232002"), fixedNow, RuleBirthDate, ErrBirthDate, "身份证号码中的出生日期19491232无效"},
		{"April 31", withCheck("11010519490431002"), fixedNow, RuleBirthDate, ErrBirthDate, "身份证号码中的出生日期19490431无效"},
		{"Feb 29 not leap 1900", withCheck("11010519000229002"), fixedNow, RuleBirthDate, ErrBirthDate, "身份证号码中的出生日期19000229无效"},
		{"Feb 29 not leap 2023", withCheck("11010520230229002"), fixedNow, RuleBirthDate, ErrBirthDate, "身份证号码中的出生日期20230229无效"},
		{"before 1800", withCheck("11010517991231002"), fixedNow, RuleBirthDate, ErrBirthDate, "身份证号码中的出生日期17991231无效"},
		{"year 0000", withCheck("11010500000101002"), fixedNow, RuleBirthDate, ErrBirthDate, "身份证号码中的出生日期00000101无效"},
		{"tomorrow", withCheck("11010520240616002"), fixedNow, RuleBirthDate, ErrBirthDate, "身份证号码中的出生日期20240616晚于当前日期，无效"},
		{"far future", withCheck("11010529991231002"), fixedNow, RuleBirthDate, ErrBirthDate, "身份证号码中的出生日期29991231晚于当前日期，无效"},
		{"tomorrow in China though today in UTC", withCheck("11010520240616002"),
			time.Date(2024, 6, 15, 15, 59, 0, 0, time.UTC), RuleBirthDate, ErrBirthDate, "身份证号码中的出生日期20240616晚于当前日期，无效"},
		{"check digit should be X", "110105194912310023", fixedNow, RuleCheckDigit, ErrCheckDigit, "身份证号码校验位错误：应为X，实际为3"},
		{"check digit should be X not 0", "110105194912310020", fixedNow, RuleCheckDigit, ErrCheckDigit, "身份证号码校验位错误：应为X，实际为0"},
		{"check digit X should be digit", "53010219900101123X", fixedNow, RuleCheckDigit, ErrCheckDigit,
			"身份证号码校验位错误：应为" + string(CheckDigit("53010219900101123")) + "，实际为X"},
		{"lower x reported as X", "53010219900101123x", fixedNow, RuleCheckDigit, ErrCheckDigit,
			"身份证号码校验位错误：应为" + string(CheckDigit("53010219900101123")) + "，实际为X"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAt(tt.in, tt.now)
			if err == nil {
				t.Fatalf("ParseAt(%q) succeeded, want rule %s", tt.in, tt.rule)
			}
			var e *errs.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *errs.Error", err)
			}
			if e.Code != errs.Invalid {
				t.Errorf("Code = %q, want %q", e.Code, errs.Invalid)
			}
			if e.Message != tt.msg {
				t.Errorf("Message = %q, want %q", e.Message, tt.msg)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("errors.Is(err, %v) = false", tt.want)
			}
			var re *RuleError
			if !errors.As(err, &re) || re.Rule != tt.rule || re.Message != tt.msg {
				t.Errorf("RuleError = %+v, want rule %s message %q", re, tt.rule, tt.msg)
			}
			if got := RuleOf(err); got != tt.rule {
				t.Errorf("RuleOf = %q, want %q", got, tt.rule)
			}
			// No other sentinel matches.
			for _, other := range []*RuleError{ErrLength, ErrChars, ErrRegion, ErrBirthDate, ErrCheckDigit} {
				if other.Rule != tt.rule && errors.Is(err, other) {
					t.Errorf("errors.Is(err, %s sentinel) = true", other.Rule)
				}
			}
			// Valid uses the real clock, so skip it for "in the future" cases.
			if !strings.Contains(tt.msg, "晚于当前日期") && Valid(tt.in) {
				t.Errorf("Valid(%q) = true", tt.in)
			}
		})
	}
}

func TestParseBirthDateBoundaries(t *testing.T) {
	tests := []struct {
		name string
		in   string
		now  time.Time
		ok   bool
	}{
		{"born today", withCheck("11010520240615002"), fixedNow, true},
		{"born yesterday", withCheck("11010520240614002"), fixedNow, true},
		{"born tomorrow", withCheck("11010520240616002"), fixedNow, false},
		// 2024-06-15 16:30 UTC is already 2024-06-16 in China.
		{"today in China, tomorrow in UTC", withCheck("11010520240616002"), time.Date(2024, 6, 15, 16, 30, 0, 0, time.UTC), true},
		// now given in another zone is judged by the calendar in China.
		{"now in New York", withCheck("11010520240616002"),
			time.Date(2024, 6, 15, 13, 0, 0, 0, time.FixedZone("EDT", -4*3600)), true},
		{"Feb 29 leap 2000", withCheck("11010520000229002"), fixedNow, true},
		{"Feb 29 leap 2024", withCheck("11010520240229002"), fixedNow, true},
		{"1800-01-01", withCheck("11010518000101002"), fixedNow, true},
		{"Dec 31", withCheck("11010519991231002"), fixedNow, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAt(tt.in, tt.now)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseAt(%q, %v) err = %v, want ok=%v", tt.in, tt.now, err, tt.ok)
			}
		})
	}
}

// TestSingleCharacterChanges changes every position of several valid numbers
// to every other allowed character and expects each result to be rejected.
func TestSingleCharacterChanges(t *testing.T) {
	const alphabet = "0123456789X"
	for _, valid := range validNumbers(t) {
		checked := 0
		for pos := 0; pos < Length; pos++ {
			for i := 0; i < len(alphabet); i++ {
				c := alphabet[i]
				if c == valid[pos] {
					continue
				}
				changed := valid[:pos] + string(c) + valid[pos+1:]
				_, err := ParseAt(changed, fixedNow)
				if err == nil {
					t.Errorf("%s → %s (position %d) accepted", valid, changed, pos+1)
					continue
				}
				checked++
				if !errs.Is(err, errs.Invalid) {
					t.Errorf("%s: code %q, want invalid", changed, errs.CodeOf(err))
				}
				rule := RuleOf(err)
				switch {
				case c == 'X' && pos < Length-1:
					if rule != RuleChars {
						t.Errorf("%s: rule %s, want %s", changed, rule, RuleChars)
					}
				case pos == Length-1:
					if rule != RuleCheckDigit {
						t.Errorf("%s: rule %s, want %s", changed, rule, RuleCheckDigit)
					}
				case rule == "":
					t.Errorf("%s: no rule in %v", changed, err)
				}
			}
		}
		// 17 positions × 10 other characters (9 digits + X) + 10 at the end.
		if checked != 17*10+10 {
			t.Errorf("%s: checked %d variants, want %d", valid, checked, 17*10+10)
		}
	}
}

// TestAdjacentTranspositions swaps each pair of different adjacent digits
// within the first 17; MOD 11-2 detects all of them.
func TestAdjacentTranspositions(t *testing.T) {
	for _, valid := range validNumbers(t) {
		for pos := 0; pos < 16; pos++ {
			if valid[pos] == valid[pos+1] {
				continue
			}
			b := []byte(valid)
			b[pos], b[pos+1] = b[pos+1], b[pos]
			if _, err := ParseAt(string(b), fixedNow); err == nil {
				t.Errorf("%s → %s (swap %d,%d) accepted", valid, b, pos+1, pos+2)
			}
		}
	}
}

func TestCheckDigit(t *testing.T) {
	tests := []struct {
		in   string
		want byte
	}{
		{"11010519491231002", 'X'},
		{"00000000000000000", '1'}, // sum 0
		{"10000000000000000", '5'}, // sum 7 → index 7
		{"01000000000000000", '3'}, // sum 9 → index 9
		{"00100000000000000", '2'}, // sum 10 → index 10
		{"00000000000000001", 'X'}, // sum 2 → index 2
		{"00000001000000000", '0'}, // sum 1 → index 1
		{"99999999999999999", '3'}, // sum 9*100=900 → index 9
		{"1101051949123100", 0},    // 16 digits
		{"110105194912310021", 0},  // 18 digits
		{"1101051949123100X", 0},   // X not allowed in the first 17
		{"", 0},                    // empty
		{"１１０１０５１９４９１２３１００２", 0}, // full-width is not ASCII
	}
	for _, tt := range tests {
		if got := CheckDigit(tt.in); got != tt.want {
			t.Errorf("CheckDigit(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheckAgainst(t *testing.T) {
	female2012 := Generate("440305", date(2012, 5, 3), 10, "F")
	idF, err := ParseAt(female2012, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	idM, err := ParseAt(Generate("440305", date(2012, 5, 3), 10, "M"), fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name  string
		id    ID
		birth time.Time
		sex   string
		rule  Rule
		msg   string
	}{
		{"match", idF, date(2012, 5, 3), "F", "", ""},
		{"match lower-case", idF, date(2012, 5, 3), "f", "", ""},
		{"match Chinese", idF, date(2012, 5, 3), "女", "", ""},
		{"match word", idM, date(2012, 5, 3), "Male", "", ""},
		{"match with time of day in another zone", idF, time.Date(2012, 5, 3, 23, 30, 0, 0, shanghai), "F", "", ""},
		{"skip both", idF, time.Time{}, "", "", ""},
		{"skip birth", idM, time.Time{}, "男", "", ""},
		{"skip sex", idF, date(2012, 5, 3), "  ", "", ""},
		{"birth off by a day", idF, date(2012, 5, 4), "F", RuleBirthMismatch,
			"身份证号码中的出生日期为2012-05-03，与填写的出生日期2012-05-04不一致"},
		{"birth wrong year", idF, date(2011, 5, 3), "", RuleBirthMismatch,
			"身份证号码中的出生日期为2012-05-03，与填写的出生日期2011-05-03不一致"},
		{"birth checked before sex", idF, date(2012, 5, 4), "M", RuleBirthMismatch,
			"身份证号码中的出生日期为2012-05-03，与填写的出生日期2012-05-04不一致"},
		{"female number, male entered", idF, date(2012, 5, 3), "M", RuleSexMismatch,
			"身份证号码表示性别为女，与填写的性别男不一致"},
		{"female number, 男 entered", idF, time.Time{}, "男", RuleSexMismatch,
			"身份证号码表示性别为女，与填写的性别男不一致"},
		{"male number, female entered", idM, date(2012, 5, 3), "F", RuleSexMismatch,
			"身份证号码表示性别为男，与填写的性别女不一致"},
		{"unknown sex", idF, time.Time{}, "X", RuleSex, "填写的性别“X”无效，应为男或女"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.id.CheckAgainst(tt.birth, tt.sex)
			if tt.rule == "" {
				if err != nil {
					t.Fatalf("CheckAgainst: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckAgainst succeeded, want %s", tt.rule)
			}
			e := errs.As(err)
			if e.Code != errs.Invalid || e.Message != tt.msg {
				t.Errorf("got %s %q, want invalid %q", e.Code, e.Message, tt.msg)
			}
			if RuleOf(err) != tt.rule || !errors.Is(err, &RuleError{Rule: tt.rule}) {
				t.Errorf("rule = %q, want %q", RuleOf(err), tt.rule)
			}
		})
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"53052219900101123X", "5305**********123X"},
		{sample, "1101**********002X"},
		{"1101051949123100211", "1101***********0211"}, // 19: middle grows
		{"11010519491231002", "*****************"},     // 17: all hidden
		{"1234", "****"},
		{"", ""},
		{"一二三四五六七八九十一二三四五六七八", "一二三四**********五六七八"},
	}
	for _, tt := range tests {
		if got := Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTail(t *testing.T) {
	tests := []struct{ in, want string }{
		{sample, "002X"},
		{"53052219900101123X", "123X"},
		{"12345", "2345"},
		{"1234", "1234"},
		{"12", "12"},
		{"", ""},
		{"身份证号码", "份证号码"},
	}
	for _, tt := range tests {
		if got := Tail(tt.in); got != tt.want {
			t.Errorf("Tail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGenerate(t *testing.T) {
	tests := []struct {
		region string
		birth  time.Time
		sex    string
	}{
		{"110105", date(1949, 12, 31), "F"},
		{"530102", date(1990, 1, 1), "M"},
		{"820000", date(2000, 2, 29), "女"},
		{"650104", time.Date(2010, 7, 8, 23, 0, 0, 0, time.FixedZone("CST", 8*3600)), "男"},
	}
	for _, tt := range tests {
		t.Run(tt.region+tt.sex, func(t *testing.T) {
			want := Male
			if normSex(tt.sex) == Female {
				want = Female
			}
			seen := map[string]bool{}
			y, m, d := tt.birth.Date()
			for seq := 0; seq <= 499; seq++ {
				n := Generate(tt.region, tt.birth, seq, tt.sex)
				id, err := ParseAt(n, fixedNow)
				if err != nil {
					t.Fatalf("Generate(seq %d) = %s: %v", seq, n, err)
				}
				if id.Sex != want || id.RegionPrefix != tt.region || !id.BirthDate.Equal(date(y, m, d)) {
					t.Fatalf("Generate(seq %d) = %+v", seq, id)
				}
				if err := id.CheckAgainst(tt.birth, tt.sex); err != nil {
					t.Fatalf("CheckAgainst on generated %s: %v", n, err)
				}
				wantSeq := 2 * seq
				if want == Male {
					wantSeq++
				}
				if got := n[14:17]; got != fmt.Sprintf("%03d", wantSeq) {
					t.Fatalf("seq %d: sequence digits %s, want %03d", seq, got, wantSeq)
				}
				if seen[n] {
					t.Fatalf("seq %d: duplicate %s", seq, n)
				}
				seen[n] = true
			}
		})
	}
	if got := Generate("110105", date(1949, 12, 31), 1, "F"); got != sample {
		t.Errorf("Generate sample = %s, want %s", got, sample)
	}
}

func TestGeneratePanics(t *testing.T) {
	tests := []struct {
		name   string
		region string
		birth  time.Time
		seq    int
		sex    string
	}{
		{"short region", "11010", date(2000, 1, 1), 0, "M"},
		{"letter in region", "11010A", date(2000, 1, 1), 0, "M"},
		{"negative seq", "110105", date(2000, 1, 1), -1, "M"},
		{"seq 500", "110105", date(2000, 1, 1), 500, "M"},
		{"unknown sex", "110105", date(2000, 1, 1), 0, "?"},
		{"empty sex", "110105", date(2000, 1, 1), 0, ""},
		{"year 10000", "110105", date(10000, 1, 1), 0, "F"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Generate did not panic")
				}
			}()
			Generate(tt.region, tt.birth, tt.seq, tt.sex)
		})
	}
}

func TestValid(t *testing.T) {
	if !Valid(sample) || !Valid(" 11010519491231002x ") {
		t.Error("Valid rejects the sample")
	}
	if Valid("") || Valid("110105194912310023") || Valid(withCheck("11010529991231002")) {
		t.Error("Valid accepts an invalid number")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		sample, "11010519491231002x", "110105194912310023", "", " ", "X",
		"11010519491331002X", "00000019491231002X", "１１０１０５１９４９１２３１００２Ｘ",
		"1101051949123100\xff2", "一二三四五六七八九十一二三四五六七八", strings.Repeat("9", 18),
		withCheck("11010520240616002"), withCheck("83000018000101009"),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseAt(s, fixedNow)
		_ = Valid(s)
		if m := Mask(s); utf8.RuneCountInString(m) != utf8.RuneCountInString(s) {
			t.Fatalf("Mask(%q) = %q changes the length", s, m)
		}
		_ = Tail(s)
		if err != nil {
			if !errs.Is(err, errs.Invalid) || RuleOf(err) == "" || errs.As(err).Message == "" {
				t.Fatalf("ParseAt(%q): unexpected error shape %v", s, err)
			}
			if id != (ID{}) {
				t.Fatalf("ParseAt(%q) returned %+v with an error", s, id)
			}
			return
		}
		n := id.Number
		if len(n) != Length || CheckDigit(n[:17]) != n[17] || n[:6] != id.RegionPrefix {
			t.Fatalf("ParseAt(%q) = %+v is inconsistent", s, id)
		}
		if id.BirthDate.After(fixedNow) || id.BirthDate.Year() < minBirthYear {
			t.Fatalf("ParseAt(%q): birth date %v out of range", s, id.BirthDate)
		}
		// Re-parsing the normalised number and regenerating it agree.
		again, err := ParseAt(n, fixedNow)
		if err != nil || again != id {
			t.Fatalf("re-parse of %q: %+v, %v", n, again, err)
		}
		seq := int(n[14]-'0')*100 + int(n[15]-'0')*10 + int(n[16]-'0')
		if g := Generate(id.RegionPrefix, id.BirthDate, seq/2, id.Sex); g != n {
			t.Fatalf("Generate round trip of %s = %s", n, g)
		}
		if err := id.CheckAgainst(id.BirthDate, id.Sex); err != nil {
			t.Fatalf("CheckAgainst with own fields: %v", err)
		}
	})
}
