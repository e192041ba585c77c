package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"guanai/internal/access"
	"guanai/internal/app"
	"guanai/internal/menu"
	"guanai/internal/needs"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// ServicesSummary says what loadServices set up in the pilot town's
// county.
type ServicesSummary struct {
	Services, Needs, OneToOne, Logged int
}

// demoProvider names the demonstration menu's providers (and marks the
// menu as loaded).
const demoProvider = "昌宁县关爱留守儿童社会工作服务中心"

// demoGoal is the goal of the demonstration one-to-one match.
const demoGoal = "每周一次陪伴阅读和作业辅导"

// demoServices is the demonstration menu: name, kind, provider kind,
// schedule, capacity.
var demoServices = []struct {
	name, kind, provider, schedule string
	capacity                       int
}{
	{"周末课业辅导", menu.KindTutoring, menu.ProviderOrg, "每周六上午 9:00–11:00，大田坝镇中心小学", 12},
	{"亲情陪伴（视频连线父母）", menu.KindCompanionship, menu.ProviderOrg, "每月第一个周日下午", 20},
	{"心理疏导小组", menu.KindCounselling, menu.ProviderOrg, "每两周周三下午，镇社工站", 6},
	{"防溺水安全教育", menu.KindSafetyEducation, menu.ProviderOrg, "暑假前两周，各村小组轮流", 60},
	{"儿童健康检查", menu.KindHealthCheck, menu.ProviderOrg, "每学期一次，镇卫生院", 40},
	{"监护与法律援助咨询", menu.KindLegalAid, menu.ProviderOrg, "每月 15 日，县法律援助中心", 5},
}

// loadServices puts a service menu on the pilot town's county, raises
// needs for children of the pilot town (some matched, one served, one
// closed with an outcome, one cancelled) and makes the first current
// volunteer pairing of the pilot town a one-to-one match with a short
// service log. Nothing is loaded again when the menu is already there.
func loadServices(ctx context.Context, a *app.App, out io.Writer) (ServicesSummary, error) {
	var sum ServicesSummary
	q := a.DB.Reader()
	lo, hi := regions.Range(PilotTown)
	// Already loaded: say what is there.
	err := q.QueryRowContext(ctx, `SELECT COUNT(*),
		(SELECT COUNT(*) FROM needs WHERE village_code >= ? AND village_code < ? AND source = ?),
		(SELECT COUNT(*) FROM one_to_one WHERE goal = ?),
		(SELECT COUNT(*) FROM one_to_one_logs l JOIN one_to_one m ON m.id = l.match_id WHERE m.goal = ?)
		FROM services WHERE provider_name = ?`, lo, hi, needs.SourceDirect, demoGoal, demoGoal, demoProvider).
		Scan(&sum.Services, &sum.Needs, &sum.OneToOne, &sum.Logged)
	if err != nil || sum.Services > 0 {
		return sum, err
	}
	sum = ServicesSummary{}
	sys := access.System()
	county := PilotTown[:6] + "000000"
	var svcs []menu.Service
	for _, d := range demoServices {
		s, err := a.Menu.Create(ctx, sys, menu.Input{Name: d.name, Kind: d.kind, ProviderKind: d.provider, ProviderName: demoProvider,
			Regions: []string{county}, Capacity: d.capacity, Schedule: d.schedule})
		if err != nil {
			return sum, fmt.Errorf("demo: service %s: %w", d.name, err)
		}
		svcs = append(svcs, s)
	}
	sum.Services = len(svcs)

	// Needs of the pilot town's youngest-first left-behind children.
	rows, err := q.QueryContext(ctx, `SELECT id FROM children WHERE village_code >= ? AND village_code < ? AND left_behind = ? AND archived_at IS NULL
		ORDER BY village_code, birth_date DESC, name LIMIT 8`, lo, hi, true)
	if err != nil {
		return sum, err
	}
	var kids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return sum, err
		}
		kids = append(kids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sum, err
	}
	plan := []struct {
		kind, desc string
		service    int      // index in svcs, -1: none
		steps      []string // actions after the match
	}{
		{menu.KindTutoring, "数学成绩下滑，作业无人辅导", 0, []string{needs.ActDeliver, needs.ActClose}},
		{menu.KindCompanionship, "父母外出务工两年未回家，想念父母", 1, []string{needs.ActDeliver}},
		{menu.KindCounselling, "近期情绪低落，不愿与人交流", 2, nil},
		{menu.KindSafetyEducation, "家附近有水塘，暑期无人看护", -1, nil},
		{menu.KindHealthCheck, "视力下降，未做过检查", -1, nil},
		{menu.KindLivingAid, "冬季衣物不足", -1, []string{needs.ActCancel}},
	}
	for i, pl := range plan {
		if i >= len(kids) {
			break
		}
		n, err := a.Needs.Create(ctx, sys, needs.Input{ChildID: kids[i], Kind: pl.kind, Description: pl.desc})
		if err != nil {
			return sum, fmt.Errorf("demo: need: %w", err)
		}
		sum.Needs++
		if pl.service >= 0 {
			if n, err = a.Needs.Act(ctx, sys, n.ID, needs.Action{Action: needs.ActMatch, ServiceID: svcs[pl.service].ID, Version: n.Version}); err != nil {
				return sum, fmt.Errorf("demo: match: %w", err)
			}
		}
		for _, act := range pl.steps {
			note := ""
			switch act {
			case needs.ActClose:
				note = "参加辅导两个月，数学成绩回升到班级中游"
			case needs.ActCancel:
				note = "已由村委会发放冬衣"
			}
			if n, err = a.Needs.Act(ctx, sys, n.ID, needs.Action{Action: act, Note: note, Version: n.Version}); err != nil {
				return sum, fmt.Errorf("demo: need %s: %w", act, err)
			}
		}
	}

	// One-to-one on the pilot town's first current volunteer pairing.
	var pairing string
	var from time.Time
	err = q.QueryRowContext(ctx, `SELECT p.id, p.from_on FROM pairings p JOIN children c ON c.id = p.child_id
		WHERE p.kind = 'volunteer' AND p.to_on IS NULL AND c.village_code >= ? AND c.village_code < ?
		AND NOT EXISTS (SELECT 1 FROM one_to_one m WHERE m.pairing_id = p.id AND m.to_on IS NULL)
		ORDER BY c.village_code, c.name LIMIT 1`, lo, hi).Scan(&pairing, storage.Date{T: &from})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return sum, err
	}
	if err == nil {
		m, err := a.Needs.StartOneToOne(ctx, sys, needs.OneToOneInput{PairingID: pairing, Goal: demoGoal, From: from.Format(time.DateOnly)})
		if err != nil {
			return sum, fmt.Errorf("demo: one-to-one: %w", err)
		}
		sum.OneToOne = 1
		today := person.Today(a.DB.Now())
		for i, what := range []string{"陪伴阅读《小王子》", "辅导语文作业", "一起去镇上图书室"} {
			day := today.AddDate(0, 0, -7*(2-i))
			if day.Before(from) {
				day = from
			}
			if _, err := a.Needs.LogService(ctx, sys, m.ID, needs.LogInput{ServedOn: day.Format(time.DateOnly), What: what, Hours: 1.5}); err != nil {
				return sum, fmt.Errorf("demo: one-to-one log: %w", err)
			}
			sum.Logged++
		}
	}
	fmt.Fprintf(out, "已建立服务菜单 %d 项、需求 %d 条、一对一帮扶 %d 对（服务记录 %d 条）\n", sum.Services, sum.Needs, sum.OneToOne, sum.Logged)
	return sum, nil
}
