// Package children is the census registry of children: their facts, the
// classification derived from them, its history, and the scoped queries
// every other part of guanai uses to read them.
package children

import (
	"slices"
	"strings"
	"time"

	"guanai/internal/errs"
	"guanai/internal/person"
)

// Child is a child in the census as a viewer sees it: sensitive fields the
// viewer may not read are masked or empty, and listed in Masked.
type Child struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	// IDNumber is the full number when the viewer may see it, else masked.
	IDNumber string `json:"id_number"`
	Name     string `json:"name"`
	Sex      string `json:"sex"`
	// BirthDate is a calendar date (midnight UTC).
	BirthDate   time.Time `json:"-"`
	Ethnicity   string    `json:"ethnicity"`
	Hukou       string    `json:"hukou"`
	VillageCode string    `json:"village_code"`
	SchoolID    string    `json:"school_id"`
	Grade       int       `json:"grade"`
	ClassID     string    `json:"class_id"`

	FatherStatus    ParentStatus `json:"father_status"`
	FatherAwayPlace string       `json:"father_away_place"`
	FatherPhone     string       `json:"father_phone"`
	MotherStatus    ParentStatus `json:"mother_status"`
	MotherAwayPlace string       `json:"mother_away_place"`
	MotherPhone     string       `json:"mother_phone"`

	Guardian Guardian `json:"guardian"`

	HealthFlags []string `json:"health_flags"`
	Disability  string   `json:"disability"`
	Difficulty  []string `json:"difficulty"`
	Migrant     bool     `json:"migrant"`
	Notes       string   `json:"notes"`

	LeftBehind       bool      `json:"left_behind"`
	LeftBehindReason string    `json:"left_behind_reason"`
	Categories       []string  `json:"categories"`
	ClassifiedOn     time.Time `json:"-"`

	Archived      bool      `json:"archived"`
	ArchivedAt    time.Time `json:"-"`
	ArchiveReason string    `json:"archive_reason"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`

	// Masked lists the sensitive field groups hidden from this viewer.
	Masked []string `json:"masked"`

	// CareGaps is what the child lacks of the care network, as package
	// care keeps it (bits named by GapNames); the census never changes it.
	// A Child made from a form's input has -1: unknown.
	CareGaps int `json:"-"`
}

// Guardian is who actually looks after the child.
type Guardian struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
	Phone    string `json:"phone"`
	// IDNumber is the guardian's ID number, masked unless the viewer may see it.
	IDNumber  string `json:"id_number"`
	Entrusted bool   `json:"entrusted"`
	// EntrustedOn is the date of the entrustment agreement (委托监护协议).
	EntrustedOn time.Time `json:"-"`
}

// Age returns the child's age in whole years on date at.
func (c *Child) Age(at time.Time) int { return person.Age(c.BirthDate, at) }

// Input is what a user enters to create or edit a child. Dates are strings
// as typed, so that a bad date is reported beside its field.
type Input struct {
	IDNumber        string       `json:"id_number"`
	Name            string       `json:"name"`
	Sex             string       `json:"sex"`
	BirthDate       string       `json:"birth_date"`
	Ethnicity       string       `json:"ethnicity"`
	Hukou           string       `json:"hukou"`
	VillageCode     string       `json:"village_code"`
	SchoolID        string       `json:"school_id"`
	Grade           int          `json:"grade"`
	ClassID         string       `json:"class_id"`
	FatherStatus    ParentStatus `json:"father_status"`
	FatherAwayPlace string       `json:"father_away_place"`
	FatherPhone     string       `json:"father_phone"`
	MotherStatus    ParentStatus `json:"mother_status"`
	MotherAwayPlace string       `json:"mother_away_place"`
	MotherPhone     string       `json:"mother_phone"`

	GuardianName        string `json:"guardian_name"`
	GuardianRelation    string `json:"guardian_relation"`
	GuardianPhone       string `json:"guardian_phone"`
	GuardianIDNumber    string `json:"guardian_id_number"`
	GuardianEntrusted   bool   `json:"guardian_entrusted"`
	GuardianEntrustedOn string `json:"guardian_entrusted_on"`

	HealthFlags []string `json:"health_flags"`
	Disability  string   `json:"disability"`
	Difficulty  []string `json:"difficulty"`
	Migrant     bool     `json:"migrant"`
	Notes       string   `json:"notes"`
}

// Health flags a child's record may carry.
var HealthFlags = []string{"chronic_illness", "serious_illness", "long_term_medication", "malnutrition"}

// HealthFlagLabel returns a health flag in Chinese.
func HealthFlagLabel(f string) string {
	switch f {
	case "chronic_illness":
		return "慢性病"
	case "serious_illness":
		return "重大疾病"
	case "long_term_medication":
		return "长期服药"
	case "malnutrition":
		return "营养不良"
	}
	return f
}

// Disabilities are the disability kinds (GB/T 26341).
var Disabilities = []string{"visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"}

// DisabilityLabel returns a disability kind in Chinese.
func DisabilityLabel(d string) string {
	switch d {
	case "visual":
		return "视力残疾"
	case "hearing":
		return "听力残疾"
	case "speech":
		return "言语残疾"
	case "physical":
		return "肢体残疾"
	case "intellectual":
		return "智力残疾"
	case "mental":
		return "精神残疾"
	case "multiple":
		return "多重残疾"
	case "":
		return "无"
	}
	return d
}

// valid holds an Input checked and normalised; the ID numbers are still
// plain text here and sealed just before writing.
type valid struct {
	in          Input
	idNumber    string
	birth       time.Time
	entrustedOn time.Time
	guardianID  string
}

// validate checks every field of in, collecting all field errors at once.
// It does not check things that need the database (village, school).
func validate(in Input, now time.Time) (valid, error) {
	fe := errs.FieldErrors{}
	today := person.Today(now)
	v := valid{}
	in.Name = person.CheckName(fe, "name", "姓名", in.Name)
	sex := person.NormalizeSex(in.Sex)
	if sex == "" {
		fe.Add("sex", "性别必须为“男”或“女”")
	}
	in.Sex = sex
	birth, ok := person.ParseDate(in.BirthDate)
	switch {
	case strings.TrimSpace(in.BirthDate) == "":
		fe.Add("birth_date", "出生日期不能为空")
	case !ok:
		fe.Addf("birth_date", "出生日期“%s”无效，应写成2015-03-08", in.BirthDate)
	case birth.After(today):
		fe.Add("birth_date", "出生日期不能晚于今天")
	case person.Age(birth, today) >= 18:
		fe.Add("birth_date", "登记对象应为未满18周岁的儿童")
	}
	v.birth = birth
	if strings.TrimSpace(in.IDNumber) == "" {
		fe.Add("id_number", "身份证号码不能为空")
	} else if id, ok := person.CheckID(fe, "id_number", in.IDNumber, birth, sex, now); ok {
		v.idNumber = id.Number
	}
	eth := person.NormalizeEthnicity(in.Ethnicity)
	if eth == "" {
		if strings.TrimSpace(in.Ethnicity) == "" {
			fe.Add("ethnicity", "民族不能为空")
		} else {
			fe.Addf("ethnicity", "民族“%s”不是56个民族之一", in.Ethnicity)
		}
	}
	in.Ethnicity = eth
	switch in.Hukou = strings.TrimSpace(in.Hukou); in.Hukou {
	case HukouRural, HukouUrban:
	case "农村", "农业":
		in.Hukou = HukouRural
	case "城镇", "非农业":
		in.Hukou = HukouUrban
	default:
		fe.Add("hukou", "户籍类型必须为农村或城镇")
	}
	in.VillageCode = strings.TrimSpace(in.VillageCode)
	if in.VillageCode == "" {
		fe.Add("village_code", "所在村（社区）不能为空")
	}
	if in.Grade < 0 || in.Grade > 12 {
		fe.Add("grade", "年级应在0（学前）到12之间")
	}
	if in.ClassID != "" && in.SchoolID == "" {
		fe.Add("class_id", "填写班级时必须同时填写学校")
	}
	checkParent := func(field, label string, st *ParentStatus, place, phone *string) {
		if !st.Valid() {
			fe.Addf(field+"_status", "%s情况必须为在家、外出务工、已故、无监护能力或不详之一", label)
		}
		*place = person.CheckText(fe, field+"_away_place", label+"外出地点", *place, 100)
		if *st != ParentAway {
			*place = ""
		}
		*phone = person.CheckPhone(fe, field+"_phone", label+"电话", *phone)
	}
	checkParent("father", "父亲", &in.FatherStatus, &in.FatherAwayPlace, &in.FatherPhone)
	checkParent("mother", "母亲", &in.MotherStatus, &in.MotherAwayPlace, &in.MotherPhone)

	if strings.TrimSpace(in.GuardianName) != "" {
		in.GuardianName = person.CheckName(fe, "guardian_name", "监护人姓名", in.GuardianName)
	}
	in.GuardianRelation = person.CheckText(fe, "guardian_relation", "与儿童关系", in.GuardianRelation, 20)
	in.GuardianPhone = person.CheckPhone(fe, "guardian_phone", "监护人电话", in.GuardianPhone)
	if s := strings.TrimSpace(in.GuardianIDNumber); s != "" {
		if id, ok := person.CheckID(fe, "guardian_id_number", s, time.Time{}, "", now); ok {
			v.guardianID = id.Number
		}
	}
	if s := strings.TrimSpace(in.GuardianEntrustedOn); s != "" {
		d, ok := person.ParseDate(s)
		switch {
		case !ok:
			fe.Addf("guardian_entrusted_on", "委托监护协议日期“%s”无效", s)
		case d.After(today):
			fe.Add("guardian_entrusted_on", "委托监护协议日期不能晚于今天")
		}
		v.entrustedOn = d
	}
	if in.GuardianEntrusted && strings.TrimSpace(in.GuardianName) == "" {
		fe.Add("guardian_name", "委托监护时必须填写监护人姓名")
	}
	in.HealthFlags = checkSet(fe, "health_flags", "健康状况", in.HealthFlags, HealthFlags)
	if in.Disability = strings.TrimSpace(in.Disability); in.Disability != "" && !slices.Contains(Disabilities, in.Disability) {
		fe.Addf("disability", "残疾类别“%s”无效", in.Disability)
	}
	in.Difficulty = checkSet(fe, "difficulty", "困境类别", in.Difficulty, Difficulties)
	in.Notes = person.CheckText(fe, "notes", "备注", in.Notes, 1000)
	v.in = in
	return v, fe.Err()
}

// checkSet validates a set of codes against allowed and returns it sorted
// in allowed's order without duplicates.
func checkSet(fe errs.FieldErrors, field, label string, xs, allowed []string) []string {
	out := []string{}
	for _, a := range allowed {
		if slices.Contains(xs, a) {
			out = append(out, a)
		}
	}
	for _, x := range xs {
		if !slices.Contains(allowed, x) {
			fe.Addf(field, "%s“%s”无效", label, x)
		}
	}
	return out
}
