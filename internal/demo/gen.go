package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/idcard"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/schools"
)

// township is one township the data is spread over, with the villages its
// children live in and the schools they attend.
type township struct {
	region      regions.Region
	county      regions.Region
	prefecture  string // 4 digits
	villages    []regions.Region
	target      int // children to generate
	ethnicities table[string]
	pilot       bool

	primary *school
	junior  *school            // the pilot town only
	points  map[string]*school // teaching points by village code (the pilot town only)
}

// school is a school to create, with its classes by grade; id and classIDs
// are filled in once it exists.
type school struct {
	in       schools.Input
	classes  map[int][]string // grade → class names
	grades   []int            // the keys of classes, in order
	id       string
	classIDs map[int][]string
}

func newSchool(in schools.Input, grades []int, names ...string) *school {
	s := &school{in: in, classes: map[int][]string{}, grades: grades}
	for _, g := range grades {
		s.classes[g] = names
	}
	return s
}

// pupil is a child to register: the input, and where the child is in
// school until the school's id is known.
type pupil struct {
	in     children.Input
	school *school
	grade  int
	class  int // index into school.classes[grade]
}

// plan is everything Load writes, generated before anything is written.
type plan struct {
	schools []*school
	pupils  []pupil
	elders  []elders.Input
}

// gen generates the data from one seeded random source: the same tree and
// the same today give the same plan.
type gen struct {
	r      *rand.Rand
	today  time.Time // the calendar date in China, midnight UTC
	issued map[string]bool
	err    error
}

func newGen(today time.Time) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed1, seed2)), today: today, issued: map[string]bool{}}
}

// percent reports true with probability p/100.
func (g *gen) percent(p int) bool { return g.r.IntN(100) < p }

// permille reports true with probability p/1000.
func (g *gen) permille(p int) bool { return g.r.IntN(1000) < p }

// birth returns a birth date for someone who is age whole years old today
// and stays that age tomorrow and yesterday (so that a clock on UTC and one
// in China agree on it).
func (g *gen) birth(age int) time.Time {
	return g.today.AddDate(-age, 0, -(2 + g.r.IntN(361)))
}

// idNumber issues a valid resident ID number that no one else in the plan
// has, for a person registered in village, born on birth, of sex.
func (g *gen) idNumber(village string, birth time.Time, sex string) string {
	region6 := village[:6]
	seq := g.r.IntN(500)
	for range 500 {
		n := idcard.Generate(region6, birth, seq, sex)
		if !g.issued[n] {
			g.issued[n] = true
			return n
		}
		seq = (seq + 1) % 500
	}
	if g.err == nil {
		g.err = fmt.Errorf("demo: all 500 ID sequence numbers used for %s %s %s", region6, birth.Format(time.DateOnly), sex)
	}
	return ""
}

// sex returns M for about 52% (Yunnan's sex ratio among children) else F.
func (g *gen) sex() string {
	if g.percent(52) {
		return person.Male
	}
	return person.Female
}

// placement returns the grade a child born on birth is in this school
// year, and whether the child is in school: 学前 (0) at 5, grades 1–9 from
// 6 to 14 on the 31 August cut-off, and grades 10–12 for most older ones.
func (g *gen) placement(birth time.Time) (int, bool) {
	y := g.today.Year()
	if g.today.Month() < time.September {
		y--
	}
	a := person.Age(birth, time.Date(y, time.August, 31, 0, 0, 0, 0, time.UTC))
	roll := g.r.IntN(100) // drawn always, so that the day of the load changes no one else
	switch {
	case a < 5:
		return 0, false
	case a == 5:
		return 0, roll < 85
	case a <= 14:
		return a - 5, true
	}
	return min(a-5, 12), roll < 70
}

// areaCodes are the telephone area codes of the prefectures used.
var areaCodes = map[string]string{
	"5301": "0871", "5303": "0874", "5305": "0875", "5306": "0870", "5309": "0883", "5325": "0873",
	"5326": "0876", "5329": "0872", "5331": "0692", "5333": "0886", "5334": "0887",
}

// landline returns a school's telephone number in the prefecture.
func (g *gen) landline(prefecture string) string {
	code, ok := areaCodes[prefecture]
	if !ok {
		code = "0871"
	}
	return fmt.Sprintf("%s-%07d", code, 2000000+g.r.IntN(8000000))
}

// addSchools plans the schools of t: for the pilot town a central primary
// school with two classes a grade, a junior school and two village teaching
// points; elsewhere a central primary school with one class a grade.
func (g *gen) addSchools(p *plan, t *township) {
	addr := t.county.Name + t.region.Name
	primaryGrades := []int{0, 1, 2, 3, 4, 5, 6}
	in := schools.Input{Name: t.region.Name + "中心小学", Kind: "primary", RegionCode: t.region.Code, Address: addr, Phone: g.landline(t.prefecture)}
	if !t.pilot {
		t.primary = newSchool(in, primaryGrades, "一班")
		p.schools = append(p.schools, t.primary)
		return
	}
	t.primary = newSchool(in, primaryGrades, "一班", "二班")
	t.junior = newSchool(schools.Input{Name: t.region.Name + "中学", Kind: "junior", RegionCode: t.region.Code, Address: addr,
		Phone: g.landline(t.prefecture)}, []int{7, 8, 9}, "一班", "二班")
	p.schools = append(p.schools, t.primary, t.junior)
	// Teaching points in two villages other than the seat (the first).
	t.points = map[string]*school{}
	if len(t.villages) < 3 {
		return
	}
	for _, i := range g.r.Perm(len(t.villages) - 1)[:2] {
		v := t.villages[i+1]
		short := shortName(v.Name)
		if !strings.HasSuffix(short, "村") && !strings.HasSuffix(short, "社区") {
			short += "村"
		}
		s := newSchool(schools.Input{Name: t.region.Name + short + "教学点", Kind: "teaching_point", RegionCode: v.Code,
			Address: addr + short, Phone: g.landline(t.prefecture)}, []int{0, 1, 2, 3}, "一班")
		t.points[v.Code] = s
		p.schools = append(p.schools, s)
	}
}

// school returns where in t a pupil of the grade from the village goes,
// and the index of the class: nil for grades t has no school for. The
// random draws are the same whatever the grade, so that the day of the
// load changes no one else.
func (g *gen) school(t *township, village string, grade int) (*school, int) {
	point, class := g.r.IntN(100) < 80, g.r.IntN(6)
	var s *school
	switch {
	case t.points[village] != nil && grade <= 3 && point:
		s = t.points[village]
	case grade <= 6:
		s = t.primary
	case grade <= 9 && t.junior != nil:
		s = t.junior
	default:
		return nil, 0
	}
	return s, class % len(s.classes[grade])
}

// family is a household: its children share surname, village, household
// registration, parents and guardian.
type family struct {
	village    regions.Region
	eldest     int // the eldest child's age
	ethnicity  string
	style      nameStyle
	surname    string // the father's
	motherSur  string
	hukou      string
	migrant    bool
	poverty    bool
	father     children.ParentStatus
	mother     children.ParentStatus
	fatherName string
	motherName string
	fatherAt   string
	motherAt   string
	fatherTel  string
	motherTel  string

	guardian       guardian
	noGuardianship bool
	unsupported    bool
	notes          string
}

// guardian is who looks after a family's children.
type guardian struct {
	name, relation, phone, idNumber, sex string
	birth                                string
	age                                  int
	grandparent                          bool
	entrusted                            bool
}

// parents rolls the parents' statuses: 35% both away, 11% one away and
// the other unable to guard or dead, 25% one away and the other at home,
// 24.5% both at home, and 4.5% with a parent unknown (a few of them with
// the other parent dead or unable: 事实无人抚养). With household
// registration and age counted in, some 35–40% of the children are left
// behind.
func (g *gen) parents(f *family) {
	P := children.ParentHome
	A := children.ParentAway
	if f.migrant {
		f.father, f.mother = P, P
		return
	}
	swap := func(a, b children.ParentStatus, fatherFirst int) {
		if g.percent(fatherFirst) {
			f.father, f.mother = a, b
		} else {
			f.father, f.mother = b, a
		}
	}
	absent := func() children.ParentStatus {
		if g.percent(55) {
			return children.ParentIncapable
		}
		return children.ParentDeceased
	}
	switch n := g.r.IntN(1000); {
	case n < 350:
		f.father, f.mother = A, A
	case n < 460:
		swap(A, absent(), 80)
	case n < 710:
		swap(A, P, 75)
	case n < 955:
		f.father, f.mother = P, P
	case n < 958:
		// 事实无人抚养: one parent dead or unable, the other gone.
		swap(absent(), children.ParentUnknown, 60)
		f.unsupported = true
	case n < 985:
		swap(A, children.ParentUnknown, 50)
	default:
		swap(P, children.ParentUnknown, 60)
	}
}

// parentsAbsent reports whether the parents' statuses alone make the
// family's children left behind, by the census rule itself.
func (g *gen) parentsAbsent(f *family) bool {
	facts := children.Facts{BirthDate: g.today, Hukou: children.HukouRural, Father: f.father, Mother: f.mother}
	return children.Classify(facts, g.today).LeftBehind
}

// phoneIf returns a phone number with probability p%.
func (g *gen) phoneIf(p int) string {
	if g.percent(p) {
		return phone(g.r)
	}
	return ""
}

func (g *gen) parentPhone(s children.ParentStatus) string {
	switch s {
	case children.ParentAway:
		return g.phoneIf(95)
	case children.ParentHome:
		return g.phoneIf(85)
	case children.ParentIncapable:
		return g.phoneIf(30)
	}
	return ""
}

// newFamily rolls a household in village of t.
func (g *gen) newFamily(t *township, village regions.Region) *family {
	f := &family{village: village, ethnicity: t.ethnicities.pick(g.r)}
	f.style = styleFor(g.r, f.ethnicity)
	f.surname = surnameFor(g.r, f.ethnicity)
	f.motherSur = surnameFor(g.r, f.ethnicity)
	f.eldest = eldestAge.pick(g.r)
	f.migrant = g.percent(3)
	f.hukou = children.HukouRural
	if !f.migrant && g.percent(8) {
		f.hukou = children.HukouUrban
	}
	g.parents(f)
	f.fatherName = name(g.r, f.style, f.surname, person.Male, genParent)
	f.motherName = name(g.r, f.style, f.motherSur, person.Female, genParent)
	if f.father == children.ParentAway {
		f.fatherAt = awayPlaces.pick(g.r)
	}
	if f.mother == children.ParentAway {
		if f.fatherAt != "" && g.percent(70) {
			f.motherAt = f.fatherAt
		} else {
			f.motherAt = awayPlaces.pick(g.r)
		}
	}
	f.fatherTel, f.motherTel = g.parentPhone(f.father), g.parentPhone(f.mother)
	f.poverty = g.percent(6) || (f.unsupported && g.percent(50))
	g.guardianOf(f)
	return f
}

// grandparents and relatives are who look after children whose parents
// are not at home, weighted.
var (
	grandparents = table[string]{{"祖母", 40}, {"祖父", 25}, {"外祖母", 20}, {"外祖父", 15}}
	relatives    = table[string]{{"叔叔", 3}, {"伯父", 2}, {"姑姑", 3}, {"舅舅", 2}, {"姨妈", 2}}
)

// guardianOf picks the guardian: a parent at home, else usually a
// grandparent, entrusted by agreement for about 70% of left-behind
// families.
func (g *gen) guardianOf(f *family) {
	gd := &f.guardian
	switch {
	case f.mother == children.ParentHome:
		gd.name, gd.relation, gd.phone, gd.sex = f.motherName, "母亲", f.motherTel, person.Female
		gd.age = f.eldest + 20 + g.r.IntN(15)
	case f.father == children.ParentHome:
		gd.name, gd.relation, gd.phone, gd.sex = f.fatherName, "父亲", f.fatherTel, person.Male
		gd.age = f.eldest + 21 + g.r.IntN(16)
	default:
		if g.percent(85) {
			gd.relation = grandparents.pick(g.r)
			gd.grandparent = true
			gd.age = f.eldest + 45 + g.r.IntN(20)
		} else {
			gd.relation = relatives.pick(g.r)
			gd.age = 22 + g.r.IntN(30)
		}
		sur := f.surname
		switch gd.relation {
		case "外祖父", "舅舅", "姨妈":
			sur = f.motherSur
		case "祖母", "外祖母":
			sur = surnameFor(g.r, f.ethnicity)
		}
		gd.sex = person.Female
		switch gd.relation {
		case "祖父", "外祖父", "叔叔", "伯父", "舅舅":
			gd.sex = person.Male
		}
		gn := genParent
		if gd.grandparent {
			gn = genElder
		}
		gd.name = name(g.r, f.style, sur, gd.sex, gn)
		if gd.grandparent {
			gd.phone = g.phoneIf(80)
		} else {
			gd.phone = g.phoneIf(95)
		}
		if f.hukou == children.HukouRural && g.parentsAbsent(f) {
			gd.entrusted = g.percent(70)
		} else if f.unsupported {
			gd.entrusted = g.percent(40)
		}
		if gd.grandparent && gd.age >= 70 && g.percent(8) {
			f.noGuardianship = true
			f.notes = "祖辈年老体弱，监护能力不足"
		}
	}
	birth := g.birth(gd.age)
	gd.birth = birth.Format(time.DateOnly)
	withID := 40
	if gd.grandparent {
		withID = 55
	}
	if gd.entrusted || g.percent(withID) {
		gd.idNumber = g.idNumber(f.village.Code, birth, gd.sex)
	}
}

// familySize is how many children a household has.
var familySize = table[int]{{1, 40}, {2, 42}, {3, 15}, {4, 3}}

// eldestAge are the weights of the eldest child's age: fewer babies, as
// births have fallen.
var eldestAge = table[int]{
	{0, 3}, {1, 3}, {2, 4}, {3, 4}, {4, 5}, {5, 5}, {6, 6}, {7, 6}, {8, 7},
	{9, 7}, {10, 7}, {11, 7}, {12, 7}, {13, 7}, {14, 7}, {15, 7}, {16, 6}, {17, 6},
}

// disabilities are the disability kinds among disabled children, weighted.
var disabilities = table[string]{{"intellectual", 30}, {"physical", 25}, {"hearing", 12}, {"speech", 10}, {"visual", 10}, {"multiple", 8}, {"mental", 5}}

// kids generates the family's children into p and returns how many.
func (g *gen) kids(p *plan, t *township, f *family) int {
	n := familySize.pick(g.r)
	age := f.eldest
	var names []string
	made := 0
	for i := 0; i < n && age >= 0; i++ {
		sex := g.sex()
		birth := g.birth(age)
		nm := name(g.r, f.style, f.surname, sex, genChild)
		for tries := 0; tries < 10 && slices.Contains(names, nm); tries++ {
			nm = name(g.r, f.style, f.surname, sex, genChild)
		}
		names = append(names, nm)
		in := children.Input{
			IDNumber: g.idNumber(f.village.Code, birth, sex), Name: nm, Sex: sex, BirthDate: birth.Format(time.DateOnly),
			Ethnicity: f.ethnicity, Hukou: f.hukou, VillageCode: f.village.Code,
			FatherStatus: f.father, FatherAwayPlace: f.fatherAt, FatherPhone: f.fatherTel,
			MotherStatus: f.mother, MotherAwayPlace: f.motherAt, MotherPhone: f.motherTel,
			GuardianName: f.guardian.name, GuardianRelation: f.guardian.relation, GuardianPhone: f.guardian.phone,
			GuardianIDNumber: f.guardian.idNumber, GuardianEntrusted: f.guardian.entrusted,
			HealthFlags: []string{}, Difficulty: []string{}, Migrant: f.migrant, Notes: f.notes,
		}
		if f.guardian.entrusted {
			days := int(g.today.Sub(birth).Hours() / 24)
			in.GuardianEntrustedOn = g.today.AddDate(0, 0, -(1 + g.r.IntN(1000)%days)).Format(time.DateOnly)
		}
		if f.poverty {
			in.Difficulty = append(in.Difficulty, children.DifficultyPoverty)
		}
		if g.permille(20) {
			in.Disability = disabilities.pick(g.r)
			in.Difficulty = append(in.Difficulty, children.DifficultyDisability)
		}
		if f.noGuardianship {
			in.Difficulty = append(in.Difficulty, children.DifficultyNoGuardianship)
		}
		if f.unsupported {
			in.Difficulty = append(in.Difficulty, children.DifficultyUnsupported)
		}
		if g.permille(30) {
			in.HealthFlags = append(in.HealthFlags, "chronic_illness")
			if g.percent(40) {
				in.HealthFlags = append(in.HealthFlags, "long_term_medication")
			}
		}
		if g.permille(4) {
			in.HealthFlags = append(in.HealthFlags, "serious_illness")
		}
		if g.permille(20) {
			in.HealthFlags = append(in.HealthFlags, "malnutrition")
		}
		pu := pupil{in: in}
		grade, ok := g.placement(birth)
		s, class := g.school(t, f.village.Code, grade)
		if ok {
			pu.grade, pu.in.Grade = grade, grade
			pu.school, pu.class = s, class
		}
		p.pupils = append(p.pupils, pu)
		made++
		age -= 2 + g.r.IntN(5)
	}
	return made
}

// elderOf turns a family's grandparent guardian who is 60 or older and has
// an ID number into a left-behind elder living with the grandchildren; ok
// is false when the guardian is not one.
func (g *gen) elderOf(f *family) (elders.Input, bool) {
	gd := f.guardian
	if !gd.grandparent || gd.age < 60 || gd.idNumber == "" {
		return elders.Input{}, false
	}
	in := elders.Input{
		IDNumber: gd.idNumber, Name: gd.name, Sex: gd.sex, BirthDate: gd.birth, VillageCode: f.village.Code,
		Living: "grandchildren", ChildrenAway: 1 + g.r.IntN(3), HealthFlags: g.elderHealth(gd.age),
	}
	// The contact is the elder's own child (the parent on their side),
	// or that child's spouse when only the spouse is away.
	own, ownTel, ownAway, ownRel := f.fatherName, f.fatherTel, f.father == children.ParentAway, "儿子"
	spouse, spouseTel, spouseAway, spouseRel := f.motherName, f.motherTel, f.mother == children.ParentAway, "儿媳"
	if gd.relation == "外祖父" || gd.relation == "外祖母" {
		own, ownTel, ownAway, ownRel = f.motherName, f.motherTel, f.mother == children.ParentAway, "女儿"
		spouse, spouseTel, spouseAway, spouseRel = f.fatherName, f.fatherTel, f.father == children.ParentAway, "女婿"
	}
	if !ownAway && spouseAway {
		own, ownTel, ownRel = spouse, spouseTel, spouseRel
	}
	in.ContactName, in.ContactPhone, in.ContactRelation = own, ownTel, ownRel
	return in, true
}

// elderHealth rolls an elder's health flags.
func (g *gen) elderHealth(age int) []string {
	flags := []string{}
	if g.percent(40 + (age-60)/2) {
		flags = append(flags, "chronic_illness")
	}
	if g.percent(4) {
		flags = append(flags, "disabled")
	}
	switch n := g.r.IntN(100); {
	case n < 2+(age-60)/10:
		flags = append(flags, "bedridden")
	case n < 10+(age-60)/5:
		flags = append(flags, "semi_disabled")
	}
	if age >= 70 && g.percent(5) {
		flags = append(flags, "dementia")
	}
	return flags
}

var (
	elderLiving   = table[string]{{"alone", 40}, {"spouse", 48}, {"grandchildren", 7}, {"other", 5}}
	elderContacts = table[string]{{"儿子", 45}, {"女儿", 30}, {"村干部", 12}, {"邻居", 8}, {"侄子", 5}}
	elderAges     = table[int]{{60, 50}, {70, 35}, {80, 15}}
)

// newElder rolls a left-behind elder in village of t.
func (g *gen) newElder(t *township, village regions.Region) elders.Input {
	eth := t.ethnicities.pick(g.r)
	style := styleFor(g.r, eth)
	sex := person.Female
	if g.percent(45) {
		sex = person.Male
	}
	age := elderAges.pick(g.r) + g.r.IntN(10)
	if age == 89 && g.percent(50) {
		age = 90
	}
	birth := g.birth(age)
	sur := surnameFor(g.r, eth)
	in := elders.Input{
		IDNumber: g.idNumber(village.Code, birth, sex), Name: name(g.r, style, sur, sex, genElder), Sex: sex,
		BirthDate: birth.Format(time.DateOnly), VillageCode: village.Code, Living: elderLiving.pick(g.r),
		ChildrenAway: 1 + g.r.IntN(3), HealthFlags: g.elderHealth(age),
	}
	if g.percent(8) {
		in.ChildrenAway++
	}
	rel := elderContacts.pick(g.r)
	csex := person.Male
	switch rel {
	case "女儿":
		csex = person.Female
	case "村干部", "邻居":
		csex = g.sex()
	}
	csur := sur
	if sex == person.Female || rel == "村干部" || rel == "邻居" {
		csur = surnameFor(g.r, eth)
	}
	in.ContactRelation, in.ContactName, in.ContactPhone = rel, name(g.r, style, csur, csex, genParent), g.phoneIf(97)
	if in.Living == "alone" && age >= 80 {
		in.Notes = "高龄独居，需重点关注"
	}
	return in
}
