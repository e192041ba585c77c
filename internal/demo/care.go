package demo

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/app"
	"guanai/internal/care"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/regions"
)

// CareSummary says what loadCare set up in the pilot town.
type CareSummary struct {
	Leaders, Proxies, Positions int // leaders set, village proxies, school and class positions
	Assignments                 int // team roles assigned
	FullTeams                   int // children with all six roles
	Pairings                    int
	Mentors                     int // mentor accounts
}

// Mentor accounts of the demonstration: active, with a random password
// nobody knows (a system administrator sets one to log in as a mentor).
var demoMentors = []struct{ username, kind string }{
	{"demo.mentor1", care.KindEntrepreneur}, {"demo.mentor2", care.KindVolunteer}, {"demo.mentor3", care.KindCadre}, {"demo.mentor4", care.KindVolunteer},
}

// loadCare gives the pilot town a care network that is real but not
// complete, so that the pages show people and gaps: the leaders of the
// five levels above it (one village without), a chief proxy parent in all
// villages but one, principals of all schools but one and homeroom
// teachers of three classes in four, a full care team for about half of
// its left-behind children and part of a team for a fifth, and four mentor
// accounts paired with three children each. The choices come from a seeded
// random source over the plan, so every load makes the same ones; what is
// already there (an interrupted load) is left as it is.
func loadCare(ctx context.Context, a *app.App, p *plan, out io.Writer) (CareSummary, error) {
	var sum CareSummary
	r := rand.New(rand.NewPCG(seed1, seed2+5))
	v := access.System()
	s := a.Care
	pilot, err := a.Regions.Children(ctx, PilotTown)
	if err != nil {
		return sum, err
	}
	pname := func(sex string, g generation) string { return name(r, styleFor(r, "汉族"), surnames.pick(r), sex, g) }
	set := func(in care.PositionInput) error {
		_, err := s.SetPosition(ctx, v, in)
		if err != nil {
			return fmt.Errorf("demo: %s %s: %w", in.Kind, in.Subject, err)
		}
		return nil
	}
	// The leaders of the five levels.
	path, err := a.Regions.Path(ctx, PilotTown)
	if err != nil {
		return sum, err
	}
	titles := map[regions.Level]string{regions.Province: "省委书记", regions.Prefecture: "市委书记", regions.County: "县委书记", regions.Township: "镇党委书记", regions.Village: "村党总支书记"}
	for _, reg := range path {
		if err := set(care.PositionInput{Kind: care.PositionLeader, Subject: reg.Code, Name: pname(sexOf(r), genParent), Phone: phone(r), Title: titles[reg.Level]}); err != nil {
			return sum, err
		}
		sum.Leaders++
	}
	for i, vil := range pilot {
		if i < len(pilot)-1 {
			if err := set(care.PositionInput{Kind: care.PositionLeader, Subject: vil.Code, Name: pname(sexOf(r), genParent), Phone: phone(r), Title: titles[regions.Village]}); err != nil {
				return sum, err
			}
			sum.Leaders++
		}
		if i > 0 {
			if err := set(care.PositionInput{Kind: care.PositionVillageProxy, Subject: vil.Code, Name: pname("F", genParent), Phone: phone(r), Title: "村妇联主席"}); err != nil {
				return sum, err
			}
			sum.Proxies++
		}
	}
	// Principals and homeroom teachers of the pilot town's schools.
	teachers := map[string]string{} // school id → a teacher for the teams
	for i, sc := range p.schools {
		if !isPilot(sc.in.RegionCode) || sc.id == "" {
			continue
		}
		teachers[sc.id] = pname(sexOf(r), genParent)
		if i%7 != 3 {
			if err := set(care.PositionInput{Kind: care.PositionPrincipal, Subject: sc.id, Name: pname(sexOf(r), genParent), Phone: phone(r), Title: "校长"}); err != nil {
				return sum, err
			}
			sum.Positions++
		}
		for _, grade := range sc.grades {
			for _, cls := range sc.classIDs[grade] {
				if r.IntN(4) == 0 {
					continue
				}
				if err := set(care.PositionInput{Kind: care.PositionHomeroom, Subject: cls, Name: pname(sexOf(r), genParent), Phone: phone(r), Title: "班主任"}); err != nil {
					return sum, err
				}
				sum.Positions++
			}
		}
	}
	// Care teams.
	asOf := person.Today(a.DB.Now())
	countyCadres := []string{pname("M", genParent), pname("F", genParent), pname("M", genParent)}
	townCadres := []string{pname("F", genParent), pname("M", genParent), pname("M", genParent), pname("F", genParent)}
	villageCadres := map[string]string{}
	for _, vil := range pilot {
		villageCadres[vil.Code] = pname(sexOf(r), genParent)
	}
	var items []care.ChildAssignment
	var full []string
	for _, pu := range p.pupils {
		if !isPilot(pu.in.VillageCode) {
			continue
		}
		birth, _ := person.ParseDate(pu.in.BirthDate)
		if !children.Classify(children.Facts{BirthDate: birth, Hukou: pu.in.Hukou, Father: pu.in.FatherStatus, Mother: pu.in.MotherStatus}, asOf).LeftBehind {
			continue
		}
		roll := r.IntN(100)
		if roll >= 75 {
			continue
		}
		var id string
		if err := a.DB.Reader().QueryRowContext(ctx, `SELECT id FROM children WHERE id_hash = ?`, a.Vault.Hash("child", pu.in.IDNumber)).Scan(&id); err != nil {
			return sum, errs.Wrap(err, "demo: find child")
		}
		guardian := care.AssignInput{Role: care.RoleGuardian, Name: pu.in.GuardianName, Phone: pu.in.GuardianPhone, Relation: pu.in.GuardianRelation}
		if guardian.Name == "" || guardian.Relation == "" {
			guardian.Name, guardian.Relation, guardian.Phone = pname("F", genElder), "祖母", phone(r)
		}
		team := []care.AssignInput{
			{Role: care.RoleCountyCadre, Name: countyCadres[r.IntN(len(countyCadres))], Relation: "县级挂包干部"},
			{Role: care.RoleTownshipCadre, Name: townCadres[r.IntN(len(townCadres))], Relation: "乡镇挂包干部"},
			{Role: care.RoleVillageCadre, Name: villageCadres[pu.in.VillageCode], Relation: "村干部"},
			guardian,
			{Role: care.RoleNeighbour, Name: pname(sexOf(r), genParent), Phone: phone(r), Relation: "邻居"},
		}
		if pu.school != nil {
			team = append(team, care.AssignInput{Role: care.RoleTeacher, Name: teachers[pu.school.id], Relation: "老师"})
		}
		if roll >= 55 {
			// A partial team: the cadres only.
			team = team[:2+r.IntN(2)]
		} else if len(team) == 6 {
			full = append(full, id)
		}
		for _, in := range team {
			in.Phone = orPhone(in.Phone, r)
			items = append(items, care.ChildAssignment{ChildID: id, AssignInput: in})
		}
	}
	for i := 0; i < len(items); i += care.MaxBulk {
		res, err := s.AssignEach(ctx, v, items[i:min(i+care.MaxBulk, len(items))])
		if err != nil {
			return sum, err
		}
		if !res.Applied {
			for _, it := range res.Items {
				if it.Outcome == care.OutcomeRefused {
					return sum, fmt.Errorf("demo: care team of %s: %s", it.ChildName, it.Reason)
				}
			}
		}
		sum.Assignments += res.Assigned + res.Unchanged
	}
	sum.FullTeams = len(full)
	// Mentors, each paired with three children of full teams.
	for i, m := range demoMentors {
		u, err := mentorAccount(ctx, a, m.username, pname(sexOf(r), genParent), phone(r))
		if err != nil {
			return sum, err
		}
		sum.Mentors++
		have, err := s.Pairings(ctx, v, care.PairingFilter{MentorID: u})
		if err != nil {
			return sum, err
		}
		sum.Pairings += len(have)
		for j := 0; j < 3 && len(have) == 0; j++ {
			k := i*3 + j
			if k >= len(full) {
				break
			}
			if _, err := s.Pair(ctx, v, care.PairingInput{ChildID: full[k], MentorID: u, Kind: m.kind, Note: "每月至少一次电话或家访"}); err != nil {
				return sum, fmt.Errorf("demo: pairing: %w", err)
			}
			sum.Pairings++
		}
	}
	fmt.Fprintf(out, "已设置关爱网络：责任书记 %d 名，校外总代理家长 %d 名，校长和班主任 %d 名，关爱队伍成员 %d 人次（完整队伍 %d 支），结对 %d 对\n",
		sum.Leaders, sum.Proxies, sum.Positions, sum.Assignments, sum.FullTeams, sum.Pairings)
	return sum, nil
}

func isPilot(code string) bool { return len(code) == 12 && code[:9] == PilotTown[:9] }

func sexOf(r *rand.Rand) string {
	if r.IntN(2) == 0 {
		return "M"
	}
	return "F"
}

func orPhone(p string, r *rand.Rand) string {
	if p != "" {
		return p
	}
	return phone(r)
}

// mentorAccount returns the id of the demo mentor account, creating it on
// the first load.
func mentorAccount(ctx context.Context, a *app.App, username, fullName, mobile string) (string, error) {
	var id string
	err := a.DB.Reader().QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
	if err == nil {
		return id, nil
	}
	b := make([]byte, 12)
	crand.Read(b)
	u, err := a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: username, Name: fullName, Phone: mobile, RegionCode: PilotTown[:6] + "000000",
		OrgKind: "company", Roles: []string{accounts.RoleMentor}, Active: true, Password: "Dm#" + hex.EncodeToString(b) + "Q7"}, true)
	if err != nil {
		return "", fmt.Errorf("demo: mentor %s: %w", username, err)
	}
	return u.ID, nil
}
