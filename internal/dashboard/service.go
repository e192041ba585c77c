package dashboard

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/care"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/errs"
	"guanai/internal/followup"
	"guanai/internal/needs"
	"guanai/internal/person"
	"guanai/internal/population/figures"
	"guanai/internal/regions"
	"guanai/internal/schools"
	"guanai/internal/storage"
	"guanai/internal/tally"
	"guanai/internal/volunteer"
)

// Service computes dashboards.
type Service struct {
	db      *storage.DB
	regions *regions.Store
	schools *schools.Store
	care    *care.Store
	read    reader
}

// New returns a dashboard service over the database and the stores it
// reads names and care gaps from.
func New(db *storage.DB, rs *regions.Store, ss *schools.Store, cs *care.Store) *Service {
	s := &Service{db: db, regions: rs, schools: ss, care: cs}
	s.read = s.counted
	return s
}

var errNode = errs.New(errs.NotFound, "未找到该行政区划或学校，或不在您的管辖范围内")

// facts are one node's raw figures, by fact name (see the fact* names);
// the sections are built from them, so that a region node (read from the
// counters) and a school (counted from its pupils) share one layout.
type facts map[string]float64

// Fact names. Per-value families are a prefix plus the value.
const (
	fActive     = "active"
	fLeftBehind = "left_behind"
	fMigrant    = "migrant"
	fDifficulty = "difficulty"
	fElders     = "elders"
	fBand       = "band."        // + age band: left-behind children
	fPop        = "pop."         // + age band: all children (population table)
	fPopCover   = "pop.cover"    // share of child nodes with population figures, %
	fPopWhole   = "pop.complete" // 1 when the population figures are complete
	fSex        = "sex."         // + 男/女
	fEth        = "eth."         // + ethnicity
	fReason     = "reason."      // + reason code
	fHas        = "has."         // + care gap key: left-behind children who have it
	fFU30       = "fu30"
	fFU90       = "fu90"
	fOverdue    = "overdue"
	fDueSoon    = "due_soon"
	fScheduled  = "scheduled"
	fNeedsOpen  = "needs_open"
	fNeedsShut  = "needs_closed"
	fMinutes    = "minutes12"
	fActivities = "activities12"
)

// Counter keys this package reads, as the owning packages name them.
const (
	keyLBPrefix     = "children.lb." // the left-behind breakdowns' common prefix
	keyBornPrefix   = children.TallyLBBornPrefix
	keySexPrefix    = children.TallyLBSexPrefix
	keyEthPrefix    = children.TallyLBEthPrefix
	keyReasonPrefix = children.TallyLBReasonPrefix
	keyEldersActive = elders.TallyActive
	keyNeedsClosed  = needs.KeyClosed
	keyRaisedPrefix = needs.RaisedPrefix
	keyDayPrefix    = followup.DayPrefix
	keyDuePrefix    = followup.DuePrefix
)

// window is a counted span of keys [lo, hi) read as one sum per node.
type window struct {
	fact   string
	lo, hi string
}

// windows are the rolling sums of the dashboard as of today.
func windows(today time.Time) []window {
	day := func(d time.Time) string { return d.Format("2006-01-02") }
	month := func(d time.Time) string { return d.Format("2006-01") }
	tomorrow := keyDayPrefix + day(today.AddDate(0, 0, 1))
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	lo, mid, hi := followup.DueBounds(today)
	return []window{
		{fFU30, keyDayPrefix + day(today.AddDate(0, 0, -29)), tomorrow},
		{fFU90, keyDayPrefix + day(today.AddDate(0, 0, -89)), tomorrow},
		{fOverdue, lo, mid},
		{fDueSoon, mid, hi},
		{fScheduled, keyDuePrefix, tally.PrefixEnd(keyDuePrefix)},
		{fMinutes, volunteer.HoursKey(month(first.AddDate(0, -11, 0))), tally.PrefixEnd(volunteer.HoursKey(month(today)))},
		{fActivities, volunteer.ActivitiesKey(month(first.AddDate(0, -11, 0))), tally.PrefixEnd(volunteer.ActivitiesKey(month(today)))},
	}
}

// fixedKeys are the single counters read per node, with their fact.
var fixedKeys = map[string]string{
	children.TallyActive:     fActive,
	children.TallyLeftBehind: fLeftBehind,
	children.TallyMigrant:    fMigrant,
	children.TallyDifficulty: fDifficulty,
	keyEldersActive:          fElders,
	needs.KeyOpen:            fNeedsOpen,
	keyNeedsClosed:           fNeedsShut,
}

// lbFact returns the fact a left-behind breakdown counter key counts
// towards; birth years become age bands as of year (age = year − birth
// year).
func lbFact(key string, year int) (string, bool) {
	switch {
	case strings.HasPrefix(key, keyBornPrefix):
		y, err := strconv.Atoi(strings.TrimPrefix(key, keyBornPrefix))
		if err == nil {
			return fBand + BandOfAge(year-y), true
		}
	case strings.HasPrefix(key, keySexPrefix):
		return fSex + strings.TrimPrefix(key, keySexPrefix), true
	case strings.HasPrefix(key, keyEthPrefix):
		return fEth + strings.TrimPrefix(key, keyEthPrefix), true
	case strings.HasPrefix(key, keyReasonPrefix):
		return fReason + strings.TrimPrefix(key, keyReasonPrefix), true
	}
	return "", false
}

// lbKeys are the breakdown counter keys of one left-behind child, as
// package children counts them (for counting a school, or recounting).
func lbKeys(born int, sex, ethnicity, reason string) []string {
	return []string{children.TallyBornKey(born), children.TallySexKey(sex), children.TallyEthnicityKey(ethnicity), children.TallyReasonKey(reason)}
}

// BandOfAge returns the age band (needs.AgeBands) of an age in years.
func BandOfAge(age int) string {
	switch {
	case age <= 5:
		return needs.BandPreschool
	case age <= 11:
		return needs.BandPrimary
	case age <= 14:
		return needs.BandJunior
	}
	return needs.BandSenior
}

// today is the day the dashboard counts up to, in China.
func (s *Service) today() time.Time { return person.Today(s.db.Now()) }

// Region returns the dashboard of a region node in v's scope (code "" or
// the viewer's own top node: the top of v's scope). A viewer limited to a
// school gets their school's dashboard for code "". A node outside v's
// scope, or a viewer who sees no region, gives errs.NotFound.
func (s *Service) Region(ctx context.Context, v access.Viewer, code string) (Dashboard, error) {
	top, whole := v.Subtree()
	if !whole {
		if v.SchoolID != "" && !v.Nobody && v.PairedWith == "" && strings.TrimSpace(code) == "" {
			return s.School(ctx, v, v.SchoolID)
		}
		return Dashboard{}, errNode
	}
	code = strings.TrimSpace(code)
	if code == "" {
		code = top
	}
	code12, err := regions.Normalize(code)
	if err != nil || (code12 != top && !v.InRegion(code12)) {
		return Dashboard{}, errNode
	}
	node := Node{Kind: KindRegion, Code: code12, Name: "全国", Level: regions.Level(0).Name(), Drill: true}
	var lvl regions.Level
	if code12 != regions.Root {
		r, err := s.regions.Get(ctx, code12)
		if err != nil {
			return Dashboard{}, errNode
		}
		node.Name, node.Level, lvl = r.Name, r.Level.Name(), r.Level
	}
	path, err := s.regions.Path(ctx, code12)
	if err != nil {
		return Dashboard{}, err
	}
	d := Dashboard{Node: node, Path: []Node{}, Today: s.today().Format("2006-01-02")}
	if top == regions.Root && code12 != regions.Root {
		d.Path = append(d.Path, Node{Kind: KindRegion, Code: regions.Root, Name: "全国", Drill: true})
	}
	for _, p := range path {
		if p.Code == code12 || (p.Code != top && !v.InRegion(p.Code)) {
			continue
		}
		d.Path = append(d.Path, Node{Kind: KindRegion, Code: p.Code, Name: p.Name, Level: p.Level.Name(), Drill: true})
	}
	var kids []Node
	if lvl != regions.Village {
		rs, err := s.regions.Children(ctx, code12)
		if err != nil {
			return Dashboard{}, err
		}
		for _, r := range rs {
			kids = append(kids, Node{Kind: KindRegion, Code: r.Code, Name: r.Name, Level: r.Level.Name(), Drill: true})
		}
	}
	total, rows, trend, err := s.read(ctx, v, code12, lvl, s.today())
	if err != nil {
		return Dashboard{}, err
	}
	if err := s.addPopulation(ctx, code12, total, rows); err != nil {
		return Dashboard{}, err
	}
	d.Sections = build(node, total, kids, rows, trend)
	return d, nil
}

// reader reads a region node's facts, its child nodes' (by code) and its
// trend: from the counters (counted), or from the records (the naive
// recount the tests and benchmarks compare with).
type reader func(ctx context.Context, v access.Viewer, code string, lvl regions.Level, today time.Time) (facts, map[string]facts, []trendPoint, error)

// counted reads a region node's figures from the counters, in one read
// snapshot, and its care coverage from package care.
func (s *Service) counted(ctx context.Context, v access.Viewer, code string, _ regions.Level, today time.Time) (facts, map[string]facts, []trendPoint, error) {
	gaps, err := s.care.Gaps(ctx, v, code)
	if err != nil {
		return nil, nil, nil, err
	}
	var total facts
	var rows map[string]facts
	var trend []trendPoint
	err = s.db.Read(ctx, func(q storage.Querier) error {
		var err error
		if total, rows, err = readRegion(ctx, q, code, today); err != nil {
			return err
		}
		trend, err = readTrend(ctx, q, code, today)
		return err
	})
	if err != nil {
		return nil, nil, nil, err
	}
	addGaps(total, gaps.Region)
	for _, g := range gaps.Rows {
		if rows[g.Code] == nil {
			rows[g.Code] = facts{}
		}
		addGaps(rows[g.Code], g)
	}
	return total, rows, trend, nil
}

// addPopulation adds the population figures (package population) of a
// node and its child nodes: the children of each age band and how
// complete the figures are; incidence rates are shown only where they are
// complete.
func (s *Service) addPopulation(ctx context.Context, code string, total facts, rows map[string]facts) error {
	add := func(f facts, p figures.Figures) {
		if !p.Known() {
			return
		}
		for b, n := range p.Bands {
			f[fPop+b] = float64(n)
		}
		switch {
		case p.Complete:
			f[fPopWhole], f[fPopCover] = 1, 100
		case p.ChildNodes > 0:
			f[fPopCover], _ = pct(float64(p.Contributing), float64(p.ChildNodes))
		}
	}
	q := s.db.Reader()
	p, err := figures.Get(ctx, q, code)
	if err != nil {
		return err
	}
	add(total, p)
	kids, err := figures.Children(ctx, q, code)
	if err != nil {
		return err
	}
	for c, p := range kids {
		if rows[c] == nil {
			rows[c] = facts{}
		}
		add(rows[c], p)
	}
	return nil
}

// addGaps adds a node's care coverage (children who have each part of the
// care network) from its gap counts.
func addGaps(f facts, g care.GapRow) {
	for _, k := range care.GapKeys {
		f[fHas+k] = float64(g.Children - g.Gaps[k])
	}
}

// readRegion reads a region node's facts and its child nodes' from the
// counters.
func readRegion(ctx context.Context, q storage.Querier, code string, today time.Time) (facts, map[string]facts, error) {
	total := facts{}
	rows := map[string]facts{}
	row := func(c string) facts {
		if rows[c] == nil {
			rows[c] = facts{}
		}
		return rows[c]
	}
	keys := make([]string, 0, len(fixedKeys))
	for k := range fixedKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	got, err := tally.Get(ctx, q, code, keys...)
	if err != nil {
		return nil, nil, err
	}
	for k, n := range got {
		total[fixedKeys[k]] = float64(n)
	}
	per, err := tally.Children(ctx, q, code, keys...)
	if err != nil {
		return nil, nil, err
	}
	for c, m := range per {
		for k, n := range m {
			row(c)[fixedKeys[k]] = float64(n)
		}
	}
	year := today.Year()
	lb, err := tally.Keys(ctx, q, code, keyLBPrefix, tally.PrefixEnd(keyLBPrefix))
	if err != nil {
		return nil, nil, err
	}
	for k, n := range lb {
		if f, ok := lbFact(k, year); ok {
			total[f] += float64(n)
		}
	}
	lbc, err := tally.ChildKeys(ctx, q, code, keyLBPrefix, tally.PrefixEnd(keyLBPrefix))
	if err != nil {
		return nil, nil, err
	}
	for c, m := range lbc {
		for k, n := range m {
			if f, ok := lbFact(k, year); ok {
				row(c)[f] += float64(n)
			}
		}
	}
	for _, w := range windows(today) {
		n, err := tally.Sum(ctx, q, code, w.lo, w.hi)
		if err != nil {
			return nil, nil, err
		}
		total[w.fact] = float64(n)
		ns, err := tally.ChildSums(ctx, q, code, w.lo, w.hi)
		if err != nil {
			return nil, nil, err
		}
		for c, n := range ns {
			row(c)[w.fact] = float64(n)
		}
	}
	return total, rows, nil
}

// trendPoint is one month of the trend section.
type trendPoint struct {
	month                           string
	followups, raised, minutes, act int
}

// months returns the twelve months up to today's, oldest first.
func months(today time.Time) []string {
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	out := make([]string, 12)
	for i := range out {
		out[i] = first.AddDate(0, i-11, 0).Format("2006-01")
	}
	return out
}

// readTrend reads a region node's last twelve months from the counters.
func readTrend(ctx context.Context, q storage.Querier, code string, today time.Time) ([]trendPoint, error) {
	ms := months(today)
	pts := make([]trendPoint, len(ms))
	at := map[string]*trendPoint{}
	for i, m := range ms {
		pts[i].month = m
		at[m] = &pts[i]
	}
	type family struct {
		lo, hi string
		month  func(key string) string
		add    func(p *trendPoint, n int)
	}
	cut := func(prefix string) func(string) string {
		return func(k string) string {
			if len(k) < len(prefix)+7 {
				return ""
			}
			return k[len(prefix) : len(prefix)+7]
		}
	}
	fams := []family{
		{keyDayPrefix + ms[0], tally.PrefixEnd(keyDayPrefix + ms[11]), cut(keyDayPrefix), func(p *trendPoint, n int) { p.followups += n }},
		{keyRaisedPrefix + ms[0], tally.PrefixEnd(keyRaisedPrefix + ms[11]), cut(keyRaisedPrefix), func(p *trendPoint, n int) { p.raised += n }},
		{volunteer.HoursKey(ms[0]), tally.PrefixEnd(volunteer.HoursKey(ms[11])), cut(volunteer.DomainHours + "."), func(p *trendPoint, n int) { p.minutes += n }},
		{volunteer.ActivitiesKey(ms[0]), tally.PrefixEnd(volunteer.ActivitiesKey(ms[11])), cut(volunteer.DomainActivities + "."), func(p *trendPoint, n int) { p.act += n }},
	}
	for _, f := range fams {
		got, err := tally.Keys(ctx, q, code, f.lo, f.hi)
		if err != nil {
			return nil, err
		}
		for k, n := range got {
			if p := at[f.month(k)]; p != nil {
				f.add(p, n)
			}
		}
	}
	return pts, nil
}

// pct returns part/whole as a percentage, and false when whole is 0.
func pct(part, whole float64) (float64, bool) {
	if whole <= 0 {
		return 0, false
	}
	return float64(int(part/whole*1000+0.5)) / 10, true
}
