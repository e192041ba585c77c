// Package person holds the facts shared by every kind of person in the
// census — children, elders, guardians: sex, ethnicity, phone numbers,
// names and resident ID numbers sealed at rest.
package person

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"guanai/internal/errs"
	"guanai/internal/idcard"
	"guanai/internal/vault"
)

// Sex values.
const (
	Male   = "M"
	Female = "F"
)

// SexLabel returns 男 or 女.
func SexLabel(s string) string {
	switch s {
	case Male:
		return "男"
	case Female:
		return "女"
	}
	return ""
}

// NormalizeSex accepts M/F, male/female or 男/女 and returns M or F, or "".
func NormalizeSex(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "m", "male", "男", "1":
		return Male
	case "f", "female", "女", "2":
		return Female
	}
	return ""
}

// Ethnicities lists the 56 officially recognised ethnic groups (GB 3304
// order), as they are written in the census.
var Ethnicities = []string{
	"汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
	"满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
	"佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
	"达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
	"塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
	"独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
}

var ethnicitySet = func() map[string]string {
	m := map[string]string{}
	for _, e := range Ethnicities {
		m[e] = e
		m[strings.TrimSuffix(e, "族")] = e
	}
	return m
}()

// NormalizeEthnicity accepts 汉族 or 汉 and returns the official form, or "".
func NormalizeEthnicity(s string) string { return ethnicitySet[strings.TrimSpace(s)] }

var (
	mobileRe   = regexp.MustCompile(`^1[3-9]\d{9}$`)
	landlineRe = regexp.MustCompile(`^0\d{2,3}-?\d{7,8}$`)
)

var phoneCleaner = strings.NewReplacer(" ", "", "\u00a0", "", "（", "", "）", "")

// NormalizePhone strips spaces and a +86 prefix; it returns the number and
// whether it is a mainland mobile or landline number. "" is valid (unknown).
func NormalizePhone(s string) (string, bool) {
	s = phoneCleaner.Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "+86"), "0086")
	if s == "" {
		return "", true
	}
	return s, mobileRe.MatchString(s) || landlineRe.MatchString(s)
}

// CheckPhone validates an optional phone number into fe under field.
func CheckPhone(fe errs.FieldErrors, field, label, s string) string {
	p, ok := NormalizePhone(s)
	if !ok {
		fe.Add(field, label+"格式不正确：应为11位手机号或带区号的固定电话")
	}
	return p
}

// CheckName validates a required person name (1–50 characters).
func CheckName(fe errs.FieldErrors, field, label, s string) string {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		fe.Add(field, label+"不能为空")
	case n > 50:
		fe.Add(field, label+"不能超过50个字")
	}
	return s
}

// CheckText validates an optional free text of at most max characters.
func CheckText(fe errs.FieldErrors, field, label, s string, max int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		fe.Addf(field, "%s不能超过%d个字", label, max)
	}
	return s
}

// ParseDate parses a calendar date written 2006-01-02 (also 2006/01/02 or
// 20060102); it returns midnight UTC.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range []string{"2006-01-02", "2006/01/02", "20060102", "2006-1-2", "2006/1/2", "2006.01.02", "2006年1月2日"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// SealedID is a resident ID number ready to store: ciphertext, keyed hash
// for uniqueness, the masked form and the last four characters.
type SealedID struct {
	Cipher []byte
	Hash   string
	Mask   string
	Tail   string
}

// Seal encrypts a normalised ID number with v. kind separates the hash
// spaces of different record types ("child", "elder", "guardian").
func Seal(v *vault.Vault, kind, number string) (SealedID, error) {
	c, err := v.Seal(number)
	if err != nil {
		return SealedID{}, errs.Wrap(err, "seal id number")
	}
	return SealedID{Cipher: c, Hash: v.Hash(kind, number), Mask: idcard.Mask(number), Tail: idcard.Tail(number)}, nil
}

// CheckID validates a resident ID number into fe under field, and checks it
// against the birth date and sex entered when those are known.
func CheckID(fe errs.FieldErrors, field, s string, birth time.Time, sex string, now time.Time) (idcard.ID, bool) {
	id, err := idcard.ParseAt(s, now)
	if err != nil {
		fe.Add(field, errs.As(err).Message)
		return id, false
	}
	if !birth.IsZero() && sex != "" {
		if err := id.CheckAgainst(birth, sex); err != nil {
			fe.Add(field, errs.As(err).Message)
			return id, false
		}
	}
	return id, true
}

// Age returns the age in whole years on date at.
func Age(birth, at time.Time) int {
	y := at.Year() - birth.Year()
	if at.Month() < birth.Month() || (at.Month() == birth.Month() && at.Day() < birth.Day()) {
		y--
	}
	return y
}

// JoinSet writes a set of codes as a comma-separated, sorted-as-given string.
func JoinSet(xs []string) string { return strings.Join(xs, ",") }

// SplitSet reads a comma-separated set.
func SplitSet(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// China is the time zone shown to users (Asia/Shanghai has had no DST
// since 1991, so a fixed offset is exact and needs no tz database).
var China = time.FixedZone("CST", 8*3600)

// Today returns the calendar date of now in China, as midnight UTC.
func Today(now time.Time) time.Time {
	c := now.In(China)
	return time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, time.UTC)
}
