// Package idcard validates, masks and generates Chinese resident identity
// card numbers (公民身份号码) as defined by GB 11643-1999: 6 digits of region
// code, 8 digits of birth date (YYYYMMDD), a 3-digit sequence whose last digit
// is odd for men and even for women, and an ISO 7064 MOD 11-2 check
// character (a digit or X).
//
// Validation failures are returned as *errs.Error with code errs.Invalid and
// a zh-CN message for users; the error wraps a *RuleError so callers can tell
// which rule failed with errors.Is (against ErrLength and friends),
// errors.As, or RuleOf.
package idcard

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"guanai/internal/errs"
)

// Length is the number of characters in a resident ID number.
const Length = 18

// Rule names one validation rule of an ID number.
type Rule string

// The rules checked by Parse (in this order) and by ID.CheckAgainst.
const (
	RuleLength        Rule = "length"         // not 18 characters (or empty)
	RuleChars         Rule = "chars"          // not 17 digits followed by a digit or X
	RuleRegion        Rule = "region"         // region prefix all zero or unknown province
	RuleBirthDate     Rule = "birth_date"     // not a calendar date, before 1800, or in the future
	RuleCheckDigit    Rule = "check_digit"    // the MOD 11-2 check character is wrong
	RuleBirthMismatch Rule = "birth_mismatch" // CheckAgainst: entered birth date differs
	RuleSexMismatch   Rule = "sex_mismatch"   // CheckAgainst: entered sex differs
	RuleSex           Rule = "sex"            // CheckAgainst: entered sex is not recognised
)

// RuleError is the cause wrapped inside the *errs.Error returned for a
// failed rule. Message repeats the user-facing zh-CN text.
type RuleError struct {
	Rule    Rule
	Message string
}

// Error returns a short English description for logs.
func (e *RuleError) Error() string { return "idcard: rule " + string(e.Rule) + " failed" }

// Is reports whether target is a *RuleError for the same rule, so that
// errors.Is(err, ErrCheckDigit) works regardless of the message.
func (e *RuleError) Is(target error) bool {
	t, ok := target.(*RuleError)
	return ok && t.Rule == e.Rule
}

// Sentinel rule errors for use with errors.Is. They match any error produced
// by this package for the same rule.
var (
	ErrLength        = &RuleError{Rule: RuleLength}
	ErrChars         = &RuleError{Rule: RuleChars}
	ErrRegion        = &RuleError{Rule: RuleRegion}
	ErrBirthDate     = &RuleError{Rule: RuleBirthDate}
	ErrCheckDigit    = &RuleError{Rule: RuleCheckDigit}
	ErrBirthMismatch = &RuleError{Rule: RuleBirthMismatch}
	ErrSexMismatch   = &RuleError{Rule: RuleSexMismatch}
	ErrSex           = &RuleError{Rule: RuleSex}
)

// RuleOf returns the rule that err failed, or "" when err does not come from
// this package.
func RuleOf(err error) Rule {
	var re *RuleError
	if errors.As(err, &re) {
		return re.Rule
	}
	return ""
}

// invalid builds the *errs.Error returned to callers.
func invalid(rule Rule, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &errs.Error{Code: errs.Invalid, Message: msg, Err: &RuleError{Rule: rule, Message: msg}}
}

// ID is a validated resident ID number and what it encodes.
type ID struct {
	// Number is the normalised 18-character number (trailing X upper-case).
	Number string
	// BirthDate is the encoded birth date at midnight UTC.
	BirthDate time.Time
	// Sex is "M" when the 17th digit is odd, "F" when it is even.
	Sex string
	// RegionPrefix is the first 6 digits (the region code at issue).
	RegionPrefix string
}

// Sex values used by ID.Sex and accepted by Generate and ID.CheckAgainst.
const (
	Male   = "M"
	Female = "F"
)

// weights are the ISO 7064 MOD 11-2 weights of the first 17 digits.
var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// checkChars maps the weighted sum modulo 11 to the check character.
const checkChars = "10X98765432"

// provinces holds the valid first-two-digit province codes: the 34
// provincial divisions, plus 83 used by residence permits for Taiwan
// residents (81 and 82 serve Hong Kong and Macao residents).
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// minBirthYear is the earliest accepted birth year.
const minBirthYear = 1800

// chinaTime is China Standard Time; "today" is judged by the calendar in China.
var chinaTime = time.FixedZone("CST", 8*60*60)

// CheckDigit returns the ISO 7064 MOD 11-2 check character ('0'–'9' or 'X')
// for the first 17 digits of an ID number, or 0 when first17 is not exactly
// 17 ASCII digits.
func CheckDigit(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * weights[i]
	}
	return checkChars[sum%11]
}

// normalize trims surrounding white space (including the ideographic space),
// turns full-width digits and X into ASCII, and upper-cases a trailing x.
func normalize(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == 'Ｘ':
			return 'X'
		case r == 'ｘ':
			return 'x'
		}
		return r
	}, s)
	if strings.HasSuffix(s, "x") {
		s = s[:len(s)-1] + "X"
	}
	return s
}

// Parse validates s as an 18-digit resident ID number using today's date in
// China as the upper bound of the birth date. See ParseAt.
func Parse(s string) (ID, error) { return ParseAt(s, time.Now()) }

// ParseAt validates s as an 18-digit resident ID number. It trims
// surrounding spaces, accepts full-width digits, and upper-cases a trailing
// x. It then checks, in order: length, characters, region prefix, birth date
// (a real calendar date from 1800 on, not after now's calendar date in China)
// and the check character. Failures are *errs.Error with code errs.Invalid
// wrapping a *RuleError.
func ParseAt(s string, now time.Time) (ID, error) {
	s = normalize(s)
	if s == "" {
		return ID{}, invalid(RuleLength, "请填写身份证号码")
	}
	if n := utf8.RuneCountInString(s); n != Length {
		return ID{}, invalid(RuleLength, "身份证号码应为18位，当前为%d位", n)
	}
	if !validChars(s) {
		return ID{}, invalid(RuleChars, "身份证号码只能由数字组成，最后一位可以是X")
	}
	region := s[:6]
	if region == "000000" || !provinces[region[:2]] {
		return ID{}, invalid(RuleRegion, "身份证号码中的地区码%s无效", region)
	}
	birthStr := s[6:14]
	birth, ok := parseDate(birthStr)
	if !ok || birth.Year() < minBirthYear {
		return ID{}, invalid(RuleBirthDate, "身份证号码中的出生日期%s无效", birthStr)
	}
	y, m, d := now.In(chinaTime).Date()
	if birth.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
		return ID{}, invalid(RuleBirthDate, "身份证号码中的出生日期%s晚于当前日期，无效", birthStr)
	}
	if want := CheckDigit(s[:17]); s[17] != want {
		return ID{}, invalid(RuleCheckDigit, "身份证号码校验位错误：应为%c，实际为%c", want, s[17])
	}
	sex := Female
	if (s[16]-'0')%2 == 1 {
		sex = Male
	}
	return ID{Number: s, BirthDate: birth, Sex: sex, RegionPrefix: region}, nil
}

// validChars reports whether s is 17 ASCII digits followed by a digit or X.
func validChars(s string) bool {
	if len(s) != Length {
		return false
	}
	for i := 0; i < Length; i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			continue
		}
		if i == Length-1 && c == 'X' {
			continue
		}
		return false
	}
	return true
}

// parseDate parses 8 ASCII digits as YYYYMMDD and reports whether they form
// a real calendar date.
func parseDate(s string) (time.Time, bool) {
	n := 0
	for i := 0; i < 8; i++ {
		n = n*10 + int(s[i]-'0')
	}
	y, m, d := n/10000, n/100%100, n%100
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// Valid reports whether s is a valid resident ID number (see Parse).
func Valid(s string) bool {
	_, err := Parse(s)
	return err == nil
}

// normSex maps the accepted spellings of a sex to Male or Female, or "".
func normSex(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "m", "male", "男":
		return Male
	case "f", "female", "女":
		return Female
	}
	return ""
}

// sexLabel returns the Chinese word for Male or Female.
func sexLabel(sex string) string {
	if sex == Male {
		return "男"
	}
	return "女"
}

// CheckAgainst compares the number with the birth date and sex entered
// separately on a form. The calendar date of birth in its own location is
// compared with the encoded date; sex may be "M"/"F" (any case), "male"/
// "female" or "男"/"女". A zero birth or an empty sex skips that comparison.
// The first disagreement is returned as an errs.Invalid error wrapping a
// *RuleError (RuleBirthMismatch, RuleSexMismatch, or RuleSex when sex is not
// recognised).
func (id ID) CheckAgainst(birth time.Time, sex string) error {
	if !birth.IsZero() {
		y, m, d := birth.Date()
		entered := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		if !entered.Equal(id.BirthDate) {
			return invalid(RuleBirthMismatch, "身份证号码中的出生日期为%s，与填写的出生日期%s不一致",
				id.BirthDate.Format(time.DateOnly), entered.Format(time.DateOnly))
		}
	}
	if strings.TrimSpace(sex) != "" {
		s := normSex(sex)
		if s == "" {
			return invalid(RuleSex, "填写的性别“%s”无效，应为男或女", strings.TrimSpace(sex))
		}
		if s != id.Sex {
			return invalid(RuleSexMismatch, "身份证号码表示性别为%s，与填写的性别%s不一致",
				sexLabel(id.Sex), sexLabel(s))
		}
	}
	return nil
}

// Mask hides the middle of a number for display: the first 4 and last 4
// characters are kept and the rest replaced by '*'
// ("530102199001011234" → "5301**********1234"). Strings shorter than 18
// characters are replaced entirely by '*' (one per character).
func Mask(number string) string {
	r := []rune(number)
	if len(r) < Length {
		return strings.Repeat("*", len(r))
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-8) + string(r[len(r)-4:])
}

// Tail returns the last 4 characters of number (all of it when shorter).
func Tail(number string) string {
	r := []rune(number)
	if len(r) <= 4 {
		return number
	}
	return string(r[len(r)-4:])
}

// Generate builds a valid ID number for demo data and tests. region6 must be
// 6 ASCII digits (it is not checked against the province list), birth's
// calendar date in its own location is encoded, seq in 0–499 selects the
// 3-digit sequence 2*seq (women) or 2*seq+1 (men), and sex is "M" or "F"
// (or any spelling CheckAgainst accepts). Generate panics on arguments it
// cannot encode.
func Generate(region6 string, birth time.Time, seq int, sex string) string {
	if len(region6) != 6 || strings.Trim(region6, "0123456789") != "" {
		panic(fmt.Sprintf("idcard.Generate: region %q is not 6 digits", region6))
	}
	if seq < 0 || seq > 499 {
		panic(fmt.Sprintf("idcard.Generate: seq %d out of range 0–499", seq))
	}
	s := normSex(sex)
	if s == "" {
		panic(fmt.Sprintf("idcard.Generate: unknown sex %q", sex))
	}
	y, m, d := birth.Date()
	if y < 0 || y > 9999 {
		panic(fmt.Sprintf("idcard.Generate: birth year %d cannot be encoded", y))
	}
	n := 2 * seq
	if s == Male {
		n++
	}
	first17 := fmt.Sprintf("%s%04d%02d%02d%03d", region6, y, int(m), d, n)
	return first17 + string(CheckDigit(first17))
}
