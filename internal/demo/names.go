package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"guanai/internal/person"
)

// choice is one value of a weighted table.
type choice[T any] struct {
	v T
	w int
}

// table is a weighted choice among values.
type table[T any] []choice[T]

// pick returns a value of t chosen with probability proportional to its
// weight.
func (t table[T]) pick(r *rand.Rand) T {
	total := 0
	for _, c := range t {
		total += c.w
	}
	n := r.IntN(total)
	for _, c := range t {
		if n < c.w {
			return c.v
		}
		n -= c.w
	}
	return t[len(t)-1].v
}

// chars splits a string of characters into a table of equal weights.
func chars(s string) table[string] {
	var t table[string]
	for _, r := range s {
		t = append(t, choice[string]{string(r), 1})
	}
	return t
}

// words splits a space-separated list into a table of equal weights.
func words(s string) table[string] {
	var t table[string]
	for _, w := range strings.Fields(s) {
		t = append(t, choice[string]{w, 1})
	}
	return t
}

// yunnanEthnicities are the shares of Yunnan's population by ethnic group
// (per mille, rounded; the seventh census: 汉族 about 62%, 彝族 11%), used
// where no prefecture table applies.
var yunnanEthnicities = table[string]{
	{"汉族", 620}, {"彝族", 110}, {"哈尼族", 35}, {"白族", 35}, {"傣族", 27}, {"壮族", 27}, {"苗族", 27},
	{"回族", 15}, {"傈僳族", 15}, {"拉祜族", 10}, {"佤族", 9}, {"纳西族", 7}, {"瑶族", 4}, {"藏族", 3},
	{"景颇族", 3}, {"布朗族", 3}, {"布依族", 1}, {"普米族", 1}, {"阿昌族", 1}, {"怒族", 1}, {"基诺族", 1},
	{"德昂族", 1}, {"独龙族", 1},
}

// prefectureEthnicities are rough shares of the rural population by ethnic
// group in the prefectures the demonstration data uses, keyed by the
// 4-digit prefecture code.
var prefectureEthnicities = map[string]table[string]{
	"5301": {{"汉族", 850}, {"彝族", 70}, {"回族", 30}, {"苗族", 15}, {"白族", 15}, {"哈尼族", 5}, {"傈僳族", 5}},
	"5303": {{"汉族", 930}, {"彝族", 30}, {"回族", 20}, {"布依族", 10}, {"苗族", 10}},
	"5305": {{"汉族", 880}, {"彝族", 40}, {"苗族", 20}, {"傣族", 15}, {"傈僳族", 15}, {"布朗族", 10}, {"回族", 10}, {"白族", 10}},
	"5306": {{"汉族", 890}, {"彝族", 50}, {"苗族", 40}, {"回族", 20}},
	"5309": {{"汉族", 580}, {"佤族", 140}, {"彝族", 120}, {"傣族", 80}, {"拉祜族", 50}, {"布朗族", 20}, {"德昂族", 5}, {"回族", 5}},
	"5325": {{"汉族", 400}, {"彝族", 240}, {"哈尼族", 200}, {"苗族", 50}, {"傣族", 40}, {"壮族", 30}, {"瑶族", 30}, {"回族", 10}},
	"5326": {{"汉族", 570}, {"壮族", 290}, {"苗族", 110}, {"彝族", 20}, {"瑶族", 10}},
	"5329": {{"汉族", 480}, {"白族", 340}, {"彝族", 130}, {"回族", 30}, {"傈僳族", 10}, {"苗族", 10}},
	"5331": {{"汉族", 500}, {"傣族", 270}, {"景颇族", 130}, {"傈僳族", 40}, {"阿昌族", 30}, {"德昂族", 15}},
	"5333": {{"傈僳族", 520}, {"白族", 260}, {"汉族", 80}, {"怒族", 60}, {"彝族", 20}, {"独龙族", 10}, {"普米族", 10}},
	"5334": {{"藏族", 330}, {"傈僳族", 290}, {"汉族", 160}, {"纳西族", 130}, {"白族", 40}, {"彝族", 30}, {"普米族", 10}},
}

// ethnicitiesFor returns the ethnicity table of a county: its prefecture's
// (or Yunnan's), with the groups an autonomous county is named after
// (石林彝族自治县, 贡山独龙族怒族自治县) given a further 30% between them.
func ethnicitiesFor(prefecture4, countyName string) table[string] {
	base, ok := prefectureEthnicities[prefecture4]
	if !ok {
		base = yunnanEthnicities
	}
	var named []string
	for _, e := range person.Ethnicities {
		if e != "汉族" && strings.Contains(countyName, e) {
			named = append(named, e)
		}
	}
	if len(named) == 0 {
		return base
	}
	total := 0
	for _, c := range base {
		total += c.w
	}
	t := append(table[string]{}, base...)
	for _, e := range named {
		t = append(t, choice[string]{e, total * 3 / 7 / len(named)})
	}
	return t
}

// surnames are common surnames in rural Yunnan, with 字, 杞, 起, 茶 and 保
// that are typical of 保山 and its neighbours.
var surnames = table[string]{
	{"李", 100}, {"杨", 80}, {"王", 70}, {"张", 70}, {"赵", 50}, {"刘", 50}, {"陈", 50}, {"罗", 30},
	{"周", 20}, {"黄", 20}, {"何", 20}, {"吴", 20}, {"段", 20}, {"马", 15}, {"朱", 15}, {"胡", 15},
	{"尹", 15}, {"字", 12}, {"董", 10}, {"施", 10}, {"苏", 10}, {"许", 10}, {"余", 10}, {"邓", 10},
	{"郭", 10}, {"高", 10}, {"孙", 10}, {"徐", 10}, {"熊", 10}, {"杞", 8}, {"普", 8}, {"鲁", 8},
	{"彭", 8}, {"蒋", 8}, {"肖", 8}, {"毛", 6}, {"沈", 6}, {"起", 5}, {"保", 5}, {"龚", 5},
	{"茶", 4}, {"左", 4}, {"番", 4}, {"俸", 3}, {"晏", 3},
}

// ethnicSurnames are surname tables for groups whose common surnames
// differ from the Han pattern.
var ethnicSurnames = map[string]table[string]{
	"彝族":  {{"李", 25}, {"普", 10}, {"罗", 10}, {"杨", 10}, {"王", 8}, {"张", 8}, {"毕", 6}, {"鲁", 6}, {"起", 5}, {"自", 4}, {"何", 5}, {"施", 3}},
	"白族":  {{"杨", 25}, {"段", 10}, {"赵", 10}, {"李", 10}, {"张", 8}, {"王", 6}, {"尹", 5}, {"字", 5}, {"董", 5}, {"杜", 4}, {"施", 4}, {"苏", 3}, {"何", 3}},
	"哈尼族": {{"李", 30}, {"白", 15}, {"马", 10}, {"卢", 8}, {"杨", 8}, {"陈", 6}, {"朱", 6}, {"罗", 6}, {"高", 5}, {"龙", 6}},
	"傈僳族": {{"余", 20}, {"李", 15}, {"和", 10}, {"胡", 10}, {"王", 8}, {"蜂", 5}, {"密", 5}, {"普", 5}, {"木", 5}, {"杨", 5}, {"褚", 5}},
	"纳西族": {{"和", 50}, {"木", 8}, {"杨", 8}, {"李", 8}, {"王", 6}, {"赵", 5}, {"习", 5}},
	"壮族":  {{"农", 15}, {"陆", 12}, {"黄", 15}, {"韦", 10}, {"王", 10}, {"李", 10}, {"沈", 8}, {"陈", 8}},
	"苗族":  {{"杨", 20}, {"王", 15}, {"熊", 15}, {"陶", 12}, {"项", 10}, {"马", 8}, {"张", 8}, {"李", 8}, {"侯", 6}, {"古", 5}},
	"回族":  {{"马", 50}, {"纳", 10}, {"沙", 10}, {"白", 8}, {"杨", 6}, {"赛", 6}, {"张", 6}, {"李", 6}},
	"拉祜族": {{"李", 30}, {"扎", 10}, {"刘", 10}, {"张", 8}, {"罗", 8}, {"石", 8}, {"胡", 6}},
	"佤族":  {{"李", 20}, {"赵", 15}, {"陈", 10}, {"肖", 10}, {"田", 10}, {"魏", 8}, {"鲍", 8}},
	"景颇族": {{"排", 15}, {"岳", 15}, {"何", 10}, {"石", 10}, {"李", 10}, {"董", 10}, {"孔", 10}},
	"傣族":  {{"刀", 30}, {"方", 15}, {"龚", 10}, {"李", 15}, {"杨", 10}, {"线", 5}, {"罕", 5}},
}

// Given-name characters by generation and sex.
var (
	boyChars     = chars("浩宇轩俊杰明伟志强文博涛鑫磊泽家豪天佑鸣晨阳诚瑞锦鹏飞成兴海云华斌旭睿思远航毅凯祥荣坤林峰恒亮")
	girlChars    = chars("欣怡梦婷雨佳琪雪静丽芳慧敏娜玲艳秀美诗涵梓萱晓燕彤悦蕾倩琳妍若紫菲婉瑶蓉露月春")
	sharedChars  = chars("子一思可晨心雨嘉语安乐文梓")
	manChars     = chars("建国志强伟军勇平华明东林斌波涛刚辉红云海文俊杰鹏兴发")
	womanChars   = chars("丽芳艳娟萍燕红霞梅琴英玲敏静丹兰秀琼春美")
	oldManChars  = chars("德正有福明永成国荣华发光贵学文生富林才忠昌顺开元")
	oldWomanChar = chars("秀英桂兰芬玉凤珍琼仙梅菊翠芝花莲春存香")

	// A child's first given character may also be one of the shared ones.
	boyFirst  = append(append(table[string]{}, boyChars...), sharedChars...)
	girlFirst = append(append(table[string]{}, girlChars...), sharedChars...)

	// Dai names are a prefix for sex (岩 for men, 玉 for women) and one
	// more character, with no surname.
	daiMaleChars   = chars("温罕光叫坎拉丙波庄恩宰保章")
	daiFemaleChars = chars("香罕应燕喃拉丙温叫坎腊娇")

	// Tibetan names are one or two of a small stock of names.
	tibetanMale   = words("扎西 次仁 格桑 尼玛 达瓦 多吉 洛桑 农布 鲁茸 此里 都吉 品初")
	tibetanFemale = words("卓玛 拉姆 央金 德吉 曲珍 次仁 格桑 永宗 此里 央宗 卓嘎 取追")
)

// generation is whose name is being made: it picks the characters.
type generation int

const (
	genChild generation = iota
	genParent
	genElder
)

// nameStyle is how a family's names are formed.
type nameStyle int

const (
	styleHan     nameStyle = iota // surname and one or two characters
	styleDai                      // 岩/玉 and a character
	styleTibetan                  // one or two Tibetan names
)

// styleFor picks how a family of the given ethnic group names its members.
func styleFor(r *rand.Rand, ethnicity string) nameStyle {
	switch {
	case ethnicity == "藏族":
		return styleTibetan
	case ethnicity == "傣族" && r.IntN(10) < 7:
		return styleDai
	}
	return styleHan
}

// surnameFor picks a surname for a member of the ethnic group.
func surnameFor(r *rand.Rand, ethnicity string) string {
	if t, ok := ethnicSurnames[ethnicity]; ok && r.IntN(10) < 8 {
		return t.pick(r)
	}
	return surnames.pick(r)
}

// name makes a full name in the style, with the surname for styleHan.
func name(r *rand.Rand, style nameStyle, surname, sex string, g generation) string {
	male := sex == person.Male
	switch style {
	case styleDai:
		if male {
			return "岩" + daiMaleChars.pick(r)
		}
		return "玉" + daiFemaleChars.pick(r)
	case styleTibetan:
		t := tibetanFemale
		if male {
			t = tibetanMale
		}
		a := t.pick(r)
		if r.IntN(10) < 4 {
			return a
		}
		for {
			if b := t.pick(r); b != a {
				return a + b
			}
		}
	}
	var first, second table[string]
	switch {
	case g == genChild && male:
		first, second = boyFirst, boyChars
	case g == genChild:
		first, second = girlFirst, girlChars
	case g == genParent && male:
		first, second = manChars, manChars
	case g == genParent:
		first, second = womanChars, womanChars
	case male:
		first, second = oldManChars, oldManChars
	default:
		first, second = oldWomanChar, oldWomanChar
	}
	if r.IntN(100) < 15 {
		return surname + second.pick(r)
	}
	a := first.pick(r)
	for {
		if b := second.pick(r); b != a {
			return surname + a + b
		}
	}
}

// awayPlaces are where Yunnan's migrant workers go, weighted.
var awayPlaces = table[string]{
	{"广东东莞", 12}, {"广东深圳", 10}, {"广东广州", 6}, {"广东佛山", 5}, {"广东中山", 3},
	{"浙江义乌", 7}, {"浙江宁波", 4}, {"浙江杭州", 3}, {"福建晋江", 6}, {"福建厦门", 3},
	{"上海", 5}, {"江苏苏州", 6}, {"江苏昆山", 3}, {"昆明", 14}, {"云南玉溪", 2}, {"四川成都", 2},
}

// mobilePrefixes are mainland mobile number prefixes in use.
var mobilePrefixes = words("130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 177 178 180 181 182 183 185 186 187 188 189 191 198 199")

// phone returns a well-formed mainland mobile number.
func phone(r *rand.Rand) string {
	return fmt.Sprintf("%s%08d", mobilePrefixes.pick(r), r.IntN(100000000))
}

// shortName strips the committee suffix from a village's official name:
// 文沧村民委员会 → 文沧.
func shortName(official string) string {
	for _, s := range []string{"村民委员会", "村委会", "居民委员会", "委员会"} {
		if n, ok := strings.CutSuffix(official, s); ok && n != "" {
			return n
		}
	}
	return official
}
