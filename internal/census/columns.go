package census

import (
	"strconv"
	"strings"
	"unicode"

	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/person"
	"guanai/internal/schools"
)

// Kind names what a census file holds.
type Kind string

// The kinds of census file.
const (
	Children Kind = "children"
	Elders   Kind = "elders"
	Schools  Kind = "schools" // export only
	// CareTeams is a file of care-team assignments (import only).
	CareTeams Kind = "care_teams"
)

// Label returns the kind in Chinese.
func (k Kind) Label() string {
	switch k {
	case Children:
		return "儿童"
	case Elders:
		return "留守老人"
	case Schools:
		return "学校"
	case CareTeams:
		return "关爱队伍"
	}
	return string(k)
}

// ParseKind reads "children", "elders", "schools" or "care_teams" (or 儿童,
// 老人, 学校, 关爱队伍).
func ParseKind(s string) (Kind, bool) {
	switch strings.TrimSpace(strings.ToLower(s)) {
	case "children", "child", "儿童":
		return Children, true
	case "elders", "elder", "老人", "留守老人":
		return Elders, true
	case "schools", "school", "学校":
		return Schools, true
	case "care_teams", "care-teams", "关爱队伍":
		return CareTeams, true
	}
	return "", false
}

// Place pseudo-fields: a row names its village by code or by the names of
// its county, township and village; a child's school and class by name.
const (
	fieldCounty   = "county"
	fieldTownship = "township"
	fieldVillage  = "village"
	fieldSchool   = "school"
	fieldClass    = "class"
	fieldGrade    = "grade"
	fieldCode     = "village_code"
)

// column is one column of a census sheet.
type column struct {
	Field    string   // the form's field name, or a place pseudo-field
	Header   string   // the template's header
	Synonyms []string // other headers that mean the same
	Required bool
	Help     string
	Choices  []string // a drop-down list in the template
	Multi    bool     // several values, separated by 、
	Width    float64
	// Derived columns are written by exports only (the classification)
	// and ignored on import.
	Derived bool
	// Sensitive columns are exported only to viewers who may see them.
	Sensitive string // "health" or "difficulty"
}

// Columns the importer knows and ignores: what its own reports add.
const (
	headerErrors  = "错误说明"
	headerOutcome = "导入结果"
)

var yesNo = []string{"是", "否"}

func parentChoices() []string {
	var out []string
	for _, s := range children.ParentStatuses {
		out = append(out, s.Label())
	}
	return out
}

func gradeChoices() []string {
	var out []string
	for g := 0; g <= 12; g++ {
		out = append(out, schools.GradeLabel(g))
	}
	return out
}

func labelsOf(codes []string, label func(string) string) []string {
	var out []string
	for _, c := range codes {
		out = append(out, label(c))
	}
	return out
}

var placeColumns = []column{
	{Field: fieldCounty, Header: "县（市、区）", Synonyms: []string{"县", "县区", "县(区)", "县（区）", "县市区", "所在县", "县级", "区县"}, Width: 14,
		Help: "与乡镇、村的名称一起确定所在村（不填“村（社区）代码”时必填）"},
	{Field: fieldTownship, Header: "乡（镇、街道）", Synonyms: []string{"乡镇", "乡（镇）", "乡镇（街道）", "乡镇街道", "所在乡镇", "镇", "乡", "街道"}, Width: 14,
		Help: "乡镇或街道的名称，如“大田坝镇”"},
	{Field: fieldVillage, Header: "村（社区）", Synonyms: []string{"村", "村委会", "村（居）委会", "村居委会", "村居", "村（居）", "社区", "所在村", "所在村（社区）", "村名"}, Width: 16,
		Help: "村委会或社区的名称，“文沧村”与“文沧村民委员会”均可"},
	{Field: fieldCode, Header: "村（社区）代码", Synonyms: []string{"行政区划代码", "区划代码", "村代码", "村级代码", "统计用区划代码", "村（社区）区划代码", "所在村代码"}, Width: 16,
		Help: "12位统计用区划代码，如530524107202；填写后以代码为准，名称可不填"},
}

var childColumns = func() []column {
	cols := []column{
		{Field: "id_number", Header: "身份证号码", Required: true, Width: 22, Synonyms: []string{"身份证号", "公民身份号码", "公民身份证号码", "身份证", "证件号码", "儿童身份证号码", "儿童身份证号", "身份号码"},
			Help: "18位居民身份证号码；请把该列设为“文本”格式，以免 Excel 把号码改成 5.30524E+17"},
		{Field: "name", Header: "姓名", Required: true, Width: 10, Synonyms: []string{"儿童姓名", "学生姓名", "名字"}},
		{Field: "sex", Header: "性别", Required: true, Width: 6, Choices: []string{"男", "女"}},
		{Field: "birth_date", Header: "出生日期", Required: true, Width: 12, Synonyms: []string{"出生年月日", "生日", "出生年月"}, Help: "如 2015-03-08，须与身份证号码一致"},
		{Field: "ethnicity", Header: "民族", Required: true, Width: 10, Choices: person.Ethnicities},
		{Field: "hukou", Header: "户籍类型", Required: true, Width: 8, Choices: []string{"农村", "城镇"}, Synonyms: []string{"户籍", "户口性质", "户口类型", "户籍性质", "户口"}},
	}
	cols = append(cols, placeColumns...)
	cols = append(cols, []column{
		{Field: fieldSchool, Header: "就读学校", Width: 20, Synonyms: []string{"学校", "学校名称", "所在学校", "就读学校名称"}, Help: "须是已登记、在您管辖范围内的学校；未入学可不填"},
		{Field: fieldGrade, Header: "年级", Width: 8, Choices: gradeChoices(), Synonyms: []string{"就读年级"}},
		{Field: fieldClass, Header: "班级", Width: 8, Synonyms: []string{"班级名称", "班"}, Help: "须是该校已登记的班级，如“1班”"},
		{Field: "father_status", Header: "父亲情况", Required: true, Width: 10, Choices: parentChoices(), Synonyms: []string{"父亲状况", "父亲状态", "父亲"}},
		{Field: "father_away_place", Header: "父亲外出地点", Width: 16, Synonyms: []string{"父亲务工地点", "父亲外出务工地点", "父亲务工地"}},
		{Field: "father_phone", Header: "父亲电话", Width: 14, Synonyms: []string{"父亲联系电话", "父亲手机"}},
		{Field: "mother_status", Header: "母亲情况", Required: true, Width: 10, Choices: parentChoices(), Synonyms: []string{"母亲状况", "母亲状态", "母亲"}},
		{Field: "mother_away_place", Header: "母亲外出地点", Width: 16, Synonyms: []string{"母亲务工地点", "母亲外出务工地点", "母亲务工地"}},
		{Field: "mother_phone", Header: "母亲电话", Width: 14, Synonyms: []string{"母亲联系电话", "母亲手机"}},
		{Field: "guardian_name", Header: "监护人姓名", Width: 10, Synonyms: []string{"监护人", "实际监护人", "实际监护人姓名"}},
		{Field: "guardian_relation", Header: "与儿童关系", Width: 10, Synonyms: []string{"监护人与儿童关系", "监护人关系", "与儿童的关系"}},
		{Field: "guardian_phone", Header: "监护人电话", Width: 14, Synonyms: []string{"监护人联系电话", "监护人手机"}},
		{Field: "guardian_id_number", Header: "监护人身份证号码", Width: 22, Synonyms: []string{"监护人身份证号", "监护人公民身份号码"}},
		{Field: "guardian_entrusted", Header: "委托监护", Width: 8, Choices: yesNo, Synonyms: []string{"是否委托监护"}},
		{Field: "guardian_entrusted_on", Header: "委托监护协议日期", Width: 14, Synonyms: []string{"委托协议日期", "委托监护日期"}},
		{Field: "health_flags", Header: "健康状况", Width: 14, Multi: true, Sensitive: "health", Choices: labelsOf(children.HealthFlags, children.HealthFlagLabel),
			Help: "可填多项，用顿号分隔；健康可不填"},
		{Field: "disability", Header: "残疾类别", Width: 10, Sensitive: "health", Choices: append([]string{"无"}, labelsOf(children.Disabilities, children.DisabilityLabel)...)},
		{Field: "difficulty", Header: "困境类别", Width: 14, Multi: true, Sensitive: "difficulty", Choices: labelsOf(children.Difficulties, children.DifficultyLabel),
			Help: "可填多项，用顿号分隔；不属于困境儿童则不填"},
		{Field: "migrant", Header: "流动儿童", Width: 8, Choices: yesNo, Synonyms: []string{"是否流动儿童"}},
		{Field: "notes", Header: "备注", Width: 20, Synonyms: []string{"说明"}},
		{Field: "left_behind", Header: "留守儿童认定", Width: 30, Derived: true, Synonyms: []string{"类别认定", "是否留守儿童"}},
	}...)
	return cols
}()

var elderColumns = func() []column {
	cols := []column{
		{Field: "id_number", Header: "身份证号码", Required: true, Width: 22, Synonyms: []string{"身份证号", "公民身份号码", "公民身份证号码", "身份证", "证件号码", "老人身份证号码", "身份号码"},
			Help: "18位居民身份证号码；请把该列设为“文本”格式"},
		{Field: "name", Header: "姓名", Required: true, Width: 10, Synonyms: []string{"老人姓名", "名字"}},
		{Field: "sex", Header: "性别", Required: true, Width: 6, Choices: []string{"男", "女"}},
		{Field: "birth_date", Header: "出生日期", Required: true, Width: 12, Synonyms: []string{"出生年月日", "生日", "出生年月"}, Help: "如 1950-03-08，须与身份证号码一致；应年满60周岁"},
	}
	cols = append(cols, placeColumns...)
	cols = append(cols, []column{
		{Field: "living", Header: "居住情况", Required: true, Width: 12, Choices: labelsOf(elders.LivingKinds, elders.LivingLabel), Synonyms: []string{"居住状况", "居住方式"}},
		{Field: "children_away", Header: "外出子女数", Width: 10, Synonyms: []string{"外出子女人数", "外出务工子女数"}},
		{Field: "contact_name", Header: "联系人姓名", Width: 10, Synonyms: []string{"联系人", "紧急联系人"}},
		{Field: "contact_relation", Header: "与老人关系", Width: 10, Synonyms: []string{"联系人关系", "与老人的关系"}},
		{Field: "contact_phone", Header: "联系电话", Width: 14, Synonyms: []string{"联系人电话", "电话"}},
		{Field: "health_flags", Header: "健康状况", Width: 14, Multi: true, Sensitive: "health", Choices: labelsOf(elders.HealthFlags, elders.HealthFlagLabel),
			Help: "可填多项，用顿号分隔"},
		{Field: "notes", Header: "备注", Width: 20, Synonyms: []string{"说明"}},
	}...)
	return cols
}()

var schoolColumns = []column{
	{Field: "name", Header: "学校名称", Width: 24},
	{Field: "kind", Header: "学校类型", Width: 14},
	placeColumns[0], placeColumns[1], placeColumns[2],
	{Field: "region_code", Header: "所在区划代码", Width: 16},
	{Field: "address", Header: "地址", Width: 30},
	{Field: "phone", Header: "联系电话", Width: 14},
	{Field: "classes", Header: "班级数", Width: 8},
}

func columnsOf(k Kind) []column {
	switch k {
	case Children:
		return childColumns
	case Elders:
		return elderColumns
	case Schools:
		return schoolColumns
	case CareTeams:
		return careColumns
	}
	return nil
}

// normHeader folds the ways a header is written: spaces, full-width
// brackets, required-field stars and trailing notes in brackets.
func normHeader(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
	s = strings.NewReplacer("(", "（", ")", "）", "*", "", "＊", "", " ", "", "\u3000", "", "\t", "", "\n", "", "\r", "").Replace(s)
	for _, suffix := range []string{"（必填）", "（选填）", "（可选）", "（必填项）"} {
		s = strings.TrimSuffix(s, suffix)
	}
	return strings.ToLower(s)
}

// matchHeaders maps a file's headers to columns: field → index. It returns
// the headers it does not know and those that name a column twice.
func matchHeaders(k Kind, headers []string) (idx map[string]int, unknown, dup []string) {
	byName := map[string]*column{}
	cols := columnsOf(k)
	for i := range cols {
		c := &cols[i]
		byName[normHeader(c.Header)] = c
		for _, s := range c.Synonyms {
			if _, taken := byName[normHeader(s)]; !taken {
				byName[normHeader(s)] = c
			}
		}
	}
	idx = map[string]int{}
	for i, h := range headers {
		n := normHeader(h)
		if n == "" {
			continue
		}
		if n == normHeader(headerErrors) || n == normHeader(headerOutcome) {
			continue
		}
		c, ok := byName[n]
		if !ok {
			unknown = append(unknown, strings.TrimSpace(h))
			continue
		}
		if _, seen := idx[c.Field]; seen {
			dup = append(dup, strings.TrimSpace(h))
			continue
		}
		idx[c.Field] = i
	}
	return idx, unknown, dup
}

// column returns the column of a field.
func columnOf(k Kind, field string) column {
	for _, c := range columnsOf(k) {
		if c.Field == field {
			return c
		}
	}
	return column{Field: field, Header: field}
}

// neutralise guards a cell against formula injection: a text beginning
// with =, +, -, @ (or a tab or carriage return) is written with a leading
// apostrophe, which spreadsheet programs show as text.
func neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// unneutralise undoes neutralise on import.
func unneutralise(s string) string {
	if len(s) >= 2 && s[0] == '\'' {
		switch s[1] {
		case '=', '+', '-', '@', '\t', '\r':
			return s[1:]
		}
	}
	return s
}

// splitMulti splits a cell holding several values.
func splitMulti(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' || r == '/' || r == '|' || unicode.IsSpace(r)
	})
	return parts
}

// codeOf turns a label (or a code) into its code, leaving unknown text as
// it is so that the form's rule reports it.
func codeOf(s string, codes []string, label func(string) string) string {
	s = strings.TrimSpace(s)
	for _, c := range codes {
		if s == c || s == label(c) {
			return c
		}
	}
	return s
}

func codesOf(s string, codes []string, label func(string) string) []string {
	out := []string{}
	for _, p := range splitMulti(s) {
		if p == "无" {
			continue
		}
		out = append(out, codeOf(p, codes, label))
	}
	return out
}

// parentStatus reads a parent's status as officials write it.
func parentStatus(s string) children.ParentStatus {
	s = strings.TrimSpace(s)
	for _, st := range children.ParentStatuses {
		if s == string(st) || s == st.Label() {
			return st
		}
	}
	switch s {
	case "外出", "务工", "外出打工", "外出务工经商", "外出经商", "外地务工", "在外务工":
		return children.ParentAway
	case "在家务农", "在家中", "在本地", "本地务工":
		return children.ParentHome
	case "去世", "死亡", "病故":
		return children.ParentDeceased
	case "重病", "重残", "服刑", "服刑在押", "强制隔离戒毒", "无监护能力（重病、重残、服刑等）":
		return children.ParentIncapable
	case "失联", "下落不明", "不详/失联", "未知":
		return children.ParentUnknown
	}
	return children.ParentStatus(s)
}

// parseBool reads 是/否; ok is false for anything else but empty.
func parseBool(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "否", "不是", "no", "n", "false", "0", "×", "无":
		return false, true
	case "是", "yes", "y", "true", "1", "√", "✓", "有":
		return true, true
	}
	return false, false
}

// parseGrade reads a grade as a number 0–12 or its Chinese name; 0 and ok
// for an empty cell.
func parseGrade(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	for g := 0; g <= 12; g++ {
		if s == schools.GradeLabel(g) {
			return g, true
		}
	}
	alias := map[string]int{"学前": 0, "幼儿园": 0, "1年级": 1, "2年级": 2, "3年级": 3, "4年级": 4, "5年级": 5, "6年级": 6,
		"七年级": 7, "八年级": 8, "九年级": 9, "初中一年级": 7, "初中二年级": 8, "初中三年级": 9, "高中一年级": 10, "高中二年级": 11, "高中三年级": 12}
	g, ok := alias[s]
	return g, ok
}
