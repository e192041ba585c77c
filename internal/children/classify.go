package children

import (
	"slices"
	"time"
)

// ParentStatus is what the census records about each parent.
type ParentStatus string

// Parent statuses.
const (
	ParentHome      ParentStatus = "home"      // 在家
	ParentAway      ParentStatus = "away"      // 外出务工
	ParentDeceased  ParentStatus = "deceased"  // 已故
	ParentIncapable ParentStatus = "incapable" // 无监护能力（重病、重残、服刑等）
	ParentUnknown   ParentStatus = "unknown"   // 不详/失联
)

// ParentStatuses lists the statuses in form order.
var ParentStatuses = []ParentStatus{ParentHome, ParentAway, ParentDeceased, ParentIncapable, ParentUnknown}

// Label returns the status in Chinese.
func (p ParentStatus) Label() string {
	switch p {
	case ParentHome:
		return "在家"
	case ParentAway:
		return "外出务工"
	case ParentDeceased:
		return "已故"
	case ParentIncapable:
		return "无监护能力"
	case ParentUnknown:
		return "不详"
	}
	return string(p)
}

// Valid reports whether p is a known status.
func (p ParentStatus) Valid() bool { return slices.Contains(ParentStatuses, p) }

// Household registration (户籍) kinds.
const (
	HukouRural = "rural" // 农业/农村户籍
	HukouUrban = "urban" // 城镇户籍
)

// Difficulty categories (国发〔2016〕36号, plus 事实无人抚养儿童).
const (
	DifficultyPoverty        = "poverty"         // 家庭贫困
	DifficultyDisability     = "disability"      // 自身残疾
	DifficultyNoGuardianship = "no_guardianship" // 缺乏有效监护
	DifficultyUnsupported    = "unsupported"     // 事实无人抚养
)

// Difficulties lists the difficulty categories in form order.
var Difficulties = []string{DifficultyPoverty, DifficultyDisability, DifficultyNoGuardianship, DifficultyUnsupported}

// DifficultyLabel returns a difficulty category in Chinese.
func DifficultyLabel(d string) string {
	switch d {
	case DifficultyPoverty:
		return "家庭贫困"
	case DifficultyDisability:
		return "自身残疾"
	case DifficultyNoGuardianship:
		return "缺乏有效监护"
	case DifficultyUnsupported:
		return "事实无人抚养"
	}
	return d
}

// Derived categories a child can be in; a child can be in several.
const (
	CategoryLeftBehind = "left_behind" // 农村留守儿童 (derived)
	CategoryDifficulty = "difficulty"  // 困境儿童 (any difficulty recorded)
	CategoryMigrant    = "migrant"     // 流动儿童 (recorded)
)

// Categories lists the categories in display order.
var Categories = []string{CategoryLeftBehind, CategoryDifficulty, CategoryMigrant}

// CategoryLabel returns a category in Chinese.
func CategoryLabel(c string) string {
	switch c {
	case CategoryLeftBehind:
		return "农村留守儿童"
	case CategoryDifficulty:
		return "困境儿童"
	case CategoryMigrant:
		return "流动儿童"
	}
	return c
}

// Left-behind reasons: why a child is, or is not, a rural left-behind child.
const (
	ReasonBothAway      = "both_away"      // 父母双方外出务工
	ReasonAwayIncapable = "away_incapable" // 一方外出务工，另一方无监护能力
	ReasonAwayDeceased  = "away_deceased"  // 一方外出务工，另一方已故
	ReasonAge16         = "age_16"         // 已满16周岁
	ReasonUrban         = "urban"          // 非农村户籍
	ReasonParentCares   = "parent_cares"   // 至少一方父母在家或情况不详
)

// ReasonLabel returns a reason in Chinese.
func ReasonLabel(r string) string {
	switch r {
	case ReasonBothAway:
		return "父母双方外出务工"
	case ReasonAwayIncapable:
		return "一方外出务工，另一方无监护能力"
	case ReasonAwayDeceased:
		return "一方外出务工，另一方已故"
	case ReasonAge16:
		return "已满16周岁"
	case ReasonUrban:
		return "非农村户籍"
	case ReasonParentCares:
		return "父母未同时缺位（至少一方在家或情况不详）"
	}
	return r
}

// Facts are the census facts the classification is derived from.
type Facts struct {
	BirthDate  time.Time
	Hukou      string
	Father     ParentStatus
	Mother     ParentStatus
	Difficulty []string
	Migrant    bool
}

// Classification is the derived status of a child on a date.
type Classification struct {
	LeftBehind bool
	// Reason explains LeftBehind either way (a Reason* constant).
	Reason string
	// Categories is the set of categories, in Categories order.
	Categories []string
}

// SixteenthBirthday returns the date a child born on birth turns 16.
func SixteenthBirthday(birth time.Time) time.Time { return birth.AddDate(16, 0, 0) }

// Classify derives the classification from the facts as of the date asOf
// (国发〔2016〕13号): a rural left-behind child is under 16, has rural
// household registration, and either both parents work away, or one works
// away and the other cannot act as guardian (incapable or deceased). A
// parent whose status is unknown is not assumed absent.
func Classify(f Facts, asOf time.Time) Classification {
	var c Classification
	asOfDay := time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	absent := func(p ParentStatus) bool { return p == ParentIncapable || p == ParentDeceased }
	switch {
	case !asOfDay.Before(SixteenthBirthday(f.BirthDate)):
		c.Reason = ReasonAge16
	case f.Hukou != HukouRural:
		c.Reason = ReasonUrban
	case f.Father == ParentAway && f.Mother == ParentAway:
		c.LeftBehind, c.Reason = true, ReasonBothAway
	case (f.Father == ParentAway && f.Mother == ParentIncapable) || (f.Mother == ParentAway && f.Father == ParentIncapable):
		c.LeftBehind, c.Reason = true, ReasonAwayIncapable
	case (f.Father == ParentAway && absent(f.Mother)) || (f.Mother == ParentAway && absent(f.Father)):
		c.LeftBehind, c.Reason = true, ReasonAwayDeceased
	default:
		c.Reason = ReasonParentCares
	}
	c.Categories = []string{}
	if c.LeftBehind {
		c.Categories = append(c.Categories, CategoryLeftBehind)
	}
	if len(f.Difficulty) > 0 {
		c.Categories = append(c.Categories, CategoryDifficulty)
	}
	if f.Migrant {
		c.Categories = append(c.Categories, CategoryMigrant)
	}
	return c
}

// ChangeReason explains, in Chinese, why the categories changed from old to
// new classification.
func ChangeReason(old, new Classification, first bool) string {
	if first {
		if new.LeftBehind {
			return "登记：" + ReasonLabel(new.Reason)
		}
		return "登记"
	}
	switch {
	case new.LeftBehind && !old.LeftBehind:
		return "认定为农村留守儿童：" + ReasonLabel(new.Reason)
	case !new.LeftBehind && old.LeftBehind:
		return "不再属于农村留守儿童：" + ReasonLabel(new.Reason)
	case new.LeftBehind && new.Reason != old.Reason:
		return "留守原因变化：" + ReasonLabel(new.Reason)
	}
	return reasonCategories + labels(new.Categories)
}

const reasonCategories = "类别变化："

func labels(cs []string) string {
	out := ""
	for i, c := range cs {
		if i > 0 {
			out += "、"
		}
		out += CategoryLabel(c)
	}
	if out == "" {
		return "无"
	}
	return out
}
