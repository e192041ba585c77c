// Package regions is the NBS statistical division tree (统计用区划代码) that
// everything in guanai hangs from: 31 provinces down to some 620,000
// villages, each named by a 12-digit code (2 digits province, 2 prefecture,
// 2 county, 3 township, 3 village). A subtree is a half-open code range
// (Range), so "everything under a county" is one index range scan.
//
// The tree ships embedded in the binary (data/regions.tsv.gz, see
// data/ATTRIBUTION.md); Load puts it into the regions table and Store reads
// it back.
package regions

import (
	"strings"

	"guanai/internal/errs"
)

// Root stands for all of China: the parent of the provinces and the widest
// scope. Functions taking a code accept it where noted.
const Root = ""

// Level is a node's depth in the tree, 1 (province) to 5 (village); Root
// has level 0.
type Level int

// The five levels of the division tree.
const (
	Province   Level = 1 // 省级: provinces, autonomous regions, municipalities
	Prefecture Level = 2 // 地级: prefecture-level cities, prefectures, leagues
	County     Level = 3 // 县级: counties, districts, county-level cities
	Township   Level = 4 // 乡级: towns, townships, sub-districts
	Village    Level = 5 // 村级: village and residents' committees
)

// Name returns the level's Chinese name (省级 … 村级), "全国" for Root's
// level 0 and "" for anything else.
func (l Level) Name() string {
	switch l {
	case 0:
		return "全国"
	case Province:
		return "省级"
	case Prefecture:
		return "地级"
	case County:
		return "县级"
	case Township:
		return "乡级"
	case Village:
		return "村级"
	}
	return ""
}

// Region is one node of the tree.
type Region struct {
	Code       string `json:"code"`        // 12 digits; "" for Root
	Name       string `json:"name"`        // e.g. 昌宁县
	Level      Level  `json:"level"`       // 1 province … 5 village; 0 for Root
	ParentCode string `json:"parent_code"` // 12 digits; "" for provinces and Root
}

// groupEnds are the lengths of the code prefixes that end each level:
// province 2, prefecture 4, county 6, township 9, village 12.
var groupEnds = [...]int{2, 4, 6, 9, 12}

// Normalize returns the 12-digit form of a region code given either short
// (2, 4, 6, 9 or 12 digits, as the NBS tables print them: "5305" is 保山市)
// or already padded. Surrounding spaces are ignored and "" gives Root. It
// returns an errs.Invalid error naming the value when the code is not
// digits, has another length, or has no province part.
func Normalize(code string) (string, error) {
	c := strings.TrimSpace(code)
	if c == "" {
		return Root, nil
	}
	switch len(c) {
	case 2, 4, 6, 9, 12:
	default:
		return "", errs.Newf(errs.Invalid, "行政区划代码“%s”无效：应为2、4、6、9或12位数字", code)
	}
	if strings.Trim(c, "0123456789") != "" {
		return "", errs.Newf(errs.Invalid, "行政区划代码“%s”无效：只能包含数字", code)
	}
	if c[:2] == "00" {
		return "", errs.Newf(errs.Invalid, "行政区划代码“%s”无效：省级代码不能为00", code)
	}
	return c + strings.Repeat("0", 12-len(c)), nil
}

// significant returns the length of the prefix of a 12-digit code up to
// and including its lowest non-zero digit group (2, 4, 6, 9 or 12), or 0
// when every digit is zero.
func significant(code12 string) int {
	for i := len(groupEnds) - 1; i >= 0; i-- {
		start := 0
		if i > 0 {
			start = groupEnds[i-1]
		}
		if strings.Trim(code12[start:groupEnds[i]], "0") != "" {
			return groupEnds[i]
		}
	}
	return 0
}

// LevelOf returns the level of a 12-digit code, read from its lowest
// non-zero digit group: 530524000000 is a county, 530524107202 a village.
// It returns 0 for Root and for anything that is not 12 digits.
func LevelOf(code12 string) Level {
	if len(code12) != 12 || strings.Trim(code12, "0123456789") != "" {
		return 0
	}
	switch significant(code12) {
	case 2:
		return Province
	case 4:
		return Prefecture
	case 6:
		return County
	case 9:
		return Township
	case 12:
		return Village
	}
	return 0
}

// ParentOf returns the 12-digit code of a node's parent: the code with its
// lowest non-zero digit group zeroed (530524107202 → 530524107000). It is
// "" (Root) for a province, for Root and for anything not 12 digits. Where
// the NBS tree skips a level (the townships of 东莞市 4419 sit directly
// under the prefecture) the parent is the prefecture.
func ParentOf(code12 string) string {
	if LevelOf(code12) <= Province {
		return Root
	}
	n := significant(code12)
	end := 0
	for i := 1; i < len(groupEnds); i++ {
		if groupEnds[i] == n {
			end = groupEnds[i-1]
		}
	}
	return code12[:end] + strings.Repeat("0", 12-end)
}

// Range returns the subtree under a 12-digit code (the node itself and all
// its descendants) as the half-open range lo ≤ code < hi: for 530524000000
// it is 530524000000 to 530525000000, for a village just the village. Root
// gives a range holding every code. Anything else (a short or malformed
// code: Normalize first) gives an empty range, never a wider one. Query a
// subtree with "code >= ? AND code < ?", never recursively.
func Range(code12 string) (lo, hi string) {
	if code12 == Root {
		return "000000000000", rootHi
	}
	if LevelOf(code12) == 0 {
		return code12, code12
	}
	n := significant(code12)
	return code12, increment(code12[:n]) + strings.Repeat("0", 12-n)
}

// rootHi sorts after every 12-digit code; it is the same bound as
// access.SubtreeRange uses for all of China.
const rootHi = "999999999999~"

// increment adds one to a decimal string, keeping its length; an all-nines
// string gives rootHi.
func increment(s string) string {
	b := []byte(s)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b)
		}
		b[i] = '0'
	}
	return rootHi
}

// ancestors returns the codes of a 12-digit code's ancestors and the code
// itself, from the province down.
func ancestors(code12 string) []string {
	var out []string
	for c := code12; c != Root; c = ParentOf(c) {
		out = append(out, c)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
