package care

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"guanai/internal/access"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/regions"
	"guanai/internal/storage"
	"guanai/internal/tally"
)

// Gap keys: what an active left-behind child can lack.
const (
	// GapTeam: any of the six team roles has no current holder.
	GapTeam = "team"
	// GapPairing: no current pairing.
	GapPairing = "pairing"
	// GapPrincipal: no school, or the school has no current principal
	// position (校内总代理家长).
	GapPrincipal = "proxy.principal"
	// GapHomeroom: no class, or the class has no current homeroom teacher
	// position (校内代理家长).
	GapHomeroom = "proxy.homeroom"
	// GapVillageProxy: the village has no current out-of-school chief
	// proxy parent (校外总代理家长).
	GapVillageProxy = "proxy.village"
)

// GapRole returns the gap key of one missing team role, "team.<role>".
func GapRole(role string) string { return GapTeam + "." + role }

// GapKeys lists every gap key in display order.
var GapKeys = func() []string {
	ks := []string{GapTeam}
	for _, r := range TeamRoles {
		ks = append(ks, GapRole(r))
	}
	return append(ks, GapPairing, GapPrincipal, GapHomeroom, GapVillageProxy)
}()

// GapLabel returns a gap key in Chinese.
func GapLabel(key string) string {
	switch key {
	case GapTeam:
		return "关爱队伍不全"
	case GapPairing:
		return "未结对"
	case GapPrincipal:
		return "无校内总代理家长"
	case GapHomeroom:
		return "无校内代理家长"
	case GapVillageProxy:
		return "无校外总代理家长"
	}
	if r, ok := strings.CutPrefix(key, GapTeam+"."); ok && slices.Contains(TeamRoles, r) {
		return "缺" + RoleLabel(r)
	}
	return key
}

// GapRow is the gap counts of one region node: its active left-behind
// children and, by gap key, how many of them lack that.
type GapRow struct {
	Code     string         `json:"code"`
	Name     string         `json:"name"`
	Children int            `json:"children"`
	Gaps     map[string]int `json:"gaps"`
}

func newGapRow(code, name string) GapRow {
	r := GapRow{Code: code, Name: name, Gaps: make(map[string]int, len(GapKeys))}
	for _, k := range GapKeys {
		r.Gaps[k] = 0
	}
	return r
}

func (r *GapRow) add(o GapRow) {
	r.Children += o.Children
	for k, n := range o.Gaps {
		r.Gaps[k] += n
	}
}

// Gaps is the gap counts of a region node (Region) and of each node
// directly under it (Rows, by code; none for a village).
type Gaps struct {
	Region GapRow   `json:"region"`
	Rows   []GapRow `json:"rows"`
}

var errRegion = errs.New(errs.NotFound, "未找到该行政区划，或不在您的管辖范围内")

// node resolves a region code for the gap views in v's scope.
func (s *Store) node(ctx context.Context, v access.Viewer, code string) (regions.Region, error) {
	if v.Nobody || v.PairedWith != "" {
		return regions.Region{}, errRegion
	}
	c, err := regions.Normalize(strings.TrimSpace(code))
	if err != nil {
		return regions.Region{}, errRegion
	}
	if c == regions.Root {
		if v.Region != "" {
			return regions.Region{}, errRegion
		}
	} else if !v.InRegion(c) {
		return regions.Region{}, errRegion
	}
	r, err := s.regions.Get(ctx, c)
	if err != nil {
		return regions.Region{}, errRegion
	}
	return r, nil
}

// childPrefix is the length of the code prefix naming the nodes one level
// below a node of level l (a village: itself).
func childPrefix(l regions.Level) int {
	return [...]int{2, 4, 6, 9, 12, 12}[l]
}

// gapCols computes, per row of children c joined with the positions pp,
// ph and pv, one 0/1 column per gap key in GapKeys order.
func gapCols() string {
	cols := []string{fmt.Sprintf("CASE WHEN (c.care_gaps & %d) <> 0 THEN 1 ELSE 0 END", teamBits)}
	for _, r := range TeamRoles {
		cols = append(cols, fmt.Sprintf("CASE WHEN (c.care_gaps & %d) <> 0 THEN 1 ELSE 0 END", roleBit(r)))
	}
	return strings.Join(append(cols,
		fmt.Sprintf("CASE WHEN (c.care_gaps & %d) <> 0 THEN 1 ELSE 0 END", bitPairing),
		"CASE WHEN pp.id IS NULL THEN 1 ELSE 0 END",
		"CASE WHEN ph.id IS NULL THEN 1 ELSE 0 END",
		"CASE WHEN pv.id IS NULL THEN 1 ELSE 0 END"), ", ")
}

// gapJoins joins each child with the current positions its proxies follow
// from; its arguments come first.
const gapJoins = ` FROM children c
	LEFT JOIN care_positions pp ON pp.kind = ? AND pp.subject = c.school_id AND pp.to_on IS NULL
	LEFT JOIN care_positions ph ON ph.kind = ? AND ph.subject = c.class_id AND ph.to_on IS NULL
	LEFT JOIN care_positions pv ON pv.kind = ? AND pv.subject = c.village_code AND pv.to_on IS NULL`

var gapJoinArgs = []any{PositionPrincipal, PositionHomeroom, PositionVillageProxy}

// gapWhere limits children to the active left-behind ones of a node in v's
// scope.
func gapWhere(v access.Viewer, code string) (string, []any) {
	lo, hi := regions.Range(code)
	scope, args := v.Where("c.village_code", "c.school_id", "c.class_id")
	return `c.village_code >= ? AND c.village_code < ? AND c.archived_at IS NULL AND c.left_behind = ? AND ` + scope,
		append([]any{lo, hi, true}, args...)
}

// Gaps counts, for a region node in v's scope, its active left-behind
// children and how many of them lack each part of the care network (see
// GapKeys), in total and for each node directly under it. The counts are
// exact at the time of reading: proxies are judged by the positions of the
// child's school, class and village as they are now. A node out of v's
// scope gives errs.NotFound.
func (s *Store) Gaps(ctx context.Context, v access.Viewer, code string) (Gaps, error) {
	r, err := s.node(ctx, v, code)
	if err != nil {
		return Gaps{}, err
	}
	out := Gaps{Region: newGapRow(r.Code, r.Name), Rows: []GapRow{}}
	var counts map[string]GapRow
	if _, whole := v.Subtree(); whole {
		counts, err = s.tallyGaps(ctx, s.db.Reader(), r)
	} else {
		counts, err = s.countGaps(ctx, s.db.Reader(), v, r)
	}
	if err != nil {
		return Gaps{}, err
	}
	if r.Level == regions.Village {
		for _, c := range counts {
			out.Region.add(c)
		}
		return out, nil
	}
	kids, err := s.regions.Children(ctx, r.Code)
	if err != nil {
		return Gaps{}, err
	}
	byCode := map[string]int{}
	for _, k := range kids {
		byCode[k.Code] = len(out.Rows)
		out.Rows = append(out.Rows, newGapRow(k.Code, k.Name))
	}
	for code, c := range counts {
		out.Region.add(c)
		i, ok := byCode[code]
		if !ok {
			// A node the tree skips a level for (e.g. 东莞市's townships).
			name := "（其他）"
			if n, err := s.regions.Names(ctx, []string{code}); err == nil && n[code] != "" {
				name = n[code]
			}
			byCode[code] = len(out.Rows)
			out.Rows = append(out.Rows, newGapRow(code, name))
			i = byCode[code]
		}
		out.Rows[i].add(c)
	}
	slices.SortFunc(out.Rows, func(a, b GapRow) int { return strings.Compare(a.Code, b.Code) })
	return out, nil
}

// tallyKeys are the counters (package tally) of the children who have
// what each gap key lacks; the proxies are counted from the positions and
// the counters of schools, classes and villages.
var tallyKeys = func() map[string]string {
	m := map[string]string{GapTeam: children.TallyTeamComplete, GapPairing: children.TallyHasPrefix + "pairing"}
	for _, r := range TeamRoles {
		m[GapRole(r)] = children.TallyHasPrefix + r
	}
	return m
}()

// tallyGaps counts the gaps under node r by the nodes one level down
// (keyed by their 12-digit code; r itself for a village) from the
// counters, for a viewer who sees r's whole subtree: a few indexed reads
// whatever the number of children. A child's proxies are counted as the
// children at schools, in classes and in villages that have a current
// position, taken from those who have none.
func (s *Store) tallyGaps(ctx context.Context, q storage.Querier, r regions.Region) (map[string]GapRow, error) {
	keys := []any{children.TallyLeftBehind}
	for _, k := range tallyKeys {
		keys = append(keys, k)
	}
	village := r.Level == regions.Village
	at := "parent_code = ?" // the nodes one level down
	if village {
		at = "region_code = ?" // the village itself
	}
	// One statement, so that every number comes from the same snapshot:
	// the counters of the nodes; the children at schools with a principal
	// and in classes with a homeroom teacher (the counters of those schools
	// and classes); the children of villages with a chief proxy parent.
	var parts []string
	var args []any
	parts = append(parts, `SELECT 'n', region_code, key, n FROM tallies WHERE `+at+` AND key IN (?`+strings.Repeat(", ?", len(keys)-1)+`)`)
	args = append(append(args, r.Code), keys...)
	for _, c := range []struct{ gap, kind, prefix string }{
		{GapPrincipal, PositionPrincipal, children.TallySchoolPrefix},
		{GapHomeroom, PositionHomeroom, children.TallyClassPrefix},
	} {
		hi := c.prefix[:len(c.prefix)-1] + string(c.prefix[len(c.prefix)-1]+1)
		parts = append(parts, fmt.Sprintf(`SELECT ?, t.region_code, '', SUM(t.n) FROM tallies t WHERE t.%s AND t.key >= ? AND t.key < ?
			AND EXISTS (SELECT 1 FROM care_positions p WHERE p.kind = ? AND p.subject = substr(t.key, %d) AND p.to_on IS NULL)
			GROUP BY t.region_code`, at, len(c.prefix)+1))
		args = append(args, c.gap, r.Code, c.prefix, hi, c.kind)
	}
	lo, hi := regions.Range(r.Code)
	parts = append(parts, `SELECT ?, p.subject, '', t.n FROM care_positions p JOIN tallies t ON t.region_code = p.subject AND t.key = ?
		WHERE p.kind = ? AND p.to_on IS NULL AND p.subject >= ? AND p.subject < ?`)
	args = append(args, GapVillageProxy, children.TallyLeftBehind, PositionVillageProxy, lo, hi)
	rows, err := q.QueryContext(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return nil, errs.Wrap(err, "care: gaps")
	}
	defer rows.Close()
	cells := map[string]map[string]int{}   // node → counter → n
	covered := map[string]map[string]int{} // node → proxy gap key → children who have the proxy
	for rows.Next() {
		var part, node, key string
		var n int
		if err := rows.Scan(&part, &node, &key, &n); err != nil {
			return nil, errs.Wrap(err, "care: gaps")
		}
		m, k := cells, key
		if part != "n" {
			m, k = covered, part
			if part == GapVillageProxy {
				// A village: count it towards the node one level down
				// that holds it.
				for !village && regions.ParentOf(node) != r.Code && node != regions.Root {
					node = regions.ParentOf(node)
				}
			}
		}
		if m[node] == nil {
			m[node] = map[string]int{}
		}
		m[node][k] += n
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "care: gaps")
	}
	out := map[string]GapRow{}
	for node, m := range cells {
		g := newGapRow(node, "")
		g.Children = m[children.TallyLeftBehind]
		if g.Children == 0 {
			continue
		}
		for gap, k := range tallyKeys {
			g.Gaps[gap] = g.Children - m[k]
		}
		for _, gap := range []string{GapPrincipal, GapHomeroom, GapVillageProxy} {
			g.Gaps[gap] = g.Children - covered[node][gap]
		}
		out[node] = g
	}
	return out, nil
}

// countGaps counts the gaps under node r by the nodes one level down
// (keyed by their 12-digit code; r itself for a village), from scratch:
// for viewers limited to a school or class, whom the counters do not
// answer.
func (s *Store) countGaps(ctx context.Context, q storage.Querier, v access.Viewer, r regions.Region) (map[string]GapRow, error) {
	n := childPrefix(r.Level)
	where, args := gapWhere(v, r.Code)
	cols := strings.ReplaceAll(gapCols(), "CASE", "SUM(CASE")
	cols = strings.ReplaceAll(cols, "END", "END)")
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT substr(c.village_code, 1, %d), COUNT(*), %s`, n, cols)+gapJoins+
		` WHERE `+where+fmt.Sprintf(` GROUP BY substr(c.village_code, 1, %d)`, n), append(slices.Clone(gapJoinArgs), args...)...)
	if err != nil {
		return nil, errs.Wrap(err, "care: gaps")
	}
	defer rows.Close()
	out := map[string]GapRow{}
	for rows.Next() {
		var prefix string
		g := newGapRow("", "")
		vals := make([]int64, len(GapKeys))
		dst := []any{&prefix, &g.Children}
		for i := range vals {
			dst = append(dst, &vals[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, errs.Wrap(err, "care: gaps")
		}
		for i, k := range GapKeys {
			g.Gaps[k] = int(vals[i])
		}
		g.Code = prefix + strings.Repeat("0", 12-len(prefix))
		out[g.Code] = g
	}
	return out, errs.Wrap(rows.Err(), "care: gaps")
}

// GapChild is a child behind a gap count: where they are and what they
// lack (gap keys).
type GapChild struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Sex         string   `json:"sex"`
	VillageCode string   `json:"village_code"`
	Place       string   `json:"place"`
	SchoolName  string   `json:"school_name"`
	Missing     []string `json:"missing"`
}

// GapPage is one page of the children behind a gap count.
type GapPage struct {
	Items  []GapChild `json:"items"`
	Total  int        `json:"total"`
	Limit  int        `json:"limit"`
	Offset int        `json:"offset"`
}

// gapCond returns the condition selecting the children with gap key gap
// ("" or "any": any gap).
func gapCond(gap string) (string, error) {
	cols := strings.Split(gapCols(), ", ")
	if gap == "" || gap == "any" {
		return "(" + strings.Join(cols, " + ") + ") > 0", nil
	}
	i := slices.Index(GapKeys, gap)
	if i < 0 {
		return "", errs.FieldErrors{"gap": fmt.Sprintf("缺口类型“%s”无效", gap)}.Err()
	}
	return cols[i] + " = 1", nil
}

// GapChildren lists the children of a region node in v's scope that have
// gap (a key of GapKeys; "" or "any": any gap), by place and name, one page
// at a time (limit default 50, at most 500), each with everything they
// lack. It returns errs.NotFound for a node out of scope and errs.Invalid
// for an unknown gap key.
func (s *Store) GapChildren(ctx context.Context, v access.Viewer, code, gap string, limit, offset int) (GapPage, error) {
	if limit <= 0 {
		limit = 50
	}
	limit, offset = min(limit, 500), max(offset, 0)
	page := GapPage{Items: []GapChild{}, Limit: limit, Offset: offset}
	if _, whole := v.Subtree(); whole && gap != "" && gap != "any" {
		// The total is the count itself, from the counters; the page is
		// read in the roster's order without counting the rest.
		if _, err := gapCond(gap); err != nil {
			return GapPage{}, err
		}
		if k, ok := tallyKeys[gap]; ok {
			// A team role or a pairing: two counters of the node.
			r, err := s.node(ctx, v, code)
			if err != nil {
				return GapPage{}, err
			}
			m, err := tally.Get(ctx, s.db.Reader(), r.Code, children.TallyLeftBehind, k)
			if err != nil {
				return GapPage{}, err
			}
			page.Total = m[children.TallyLeftBehind] - m[k]
		} else {
			g, err := s.Gaps(ctx, v, code)
			if err != nil {
				return GapPage{}, err
			}
			page.Total = g.Region.Gaps[gap]
		}
		if offset >= page.Total {
			return page, nil
		}
		err := s.eachGapChild(ctx, v, code, gap, limit, offset, false, func(c GapChild, _ int) error {
			page.Items = append(page.Items, c)
			return nil
		})
		if err != nil {
			return GapPage{}, err
		}
		return page, nil
	}
	err := s.eachGapChild(ctx, v, code, gap, limit, offset, true, func(c GapChild, total int) error {
		page.Items, page.Total = append(page.Items, c), total
		return nil
	})
	if err != nil {
		return GapPage{}, err
	}
	if len(page.Items) == 0 && offset > 0 {
		// Past the end: count alone.
		r, _ := s.node(ctx, v, code)
		cond, _ := gapCond(gap)
		where, args := gapWhere(v, r.Code)
		if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*)`+gapJoins+` WHERE `+where+` AND `+cond,
			append(slices.Clone(gapJoinArgs), args...)...).Scan(&page.Total); err != nil {
			return GapPage{}, errs.Wrap(err, "care: gap children")
		}
	}
	return page, nil
}

// EachGapChild calls fn for every child of a region node in v's scope that
// has gap, in the order of GapChildren, streaming (for exports).
func (s *Store) EachGapChild(ctx context.Context, v access.Viewer, code, gap string, fn func(GapChild) error) error {
	return s.eachGapChild(ctx, v, code, gap, -1, 0, false, func(c GapChild, _ int) error { return fn(c) })
}

// eachGapChild reads the children with gap in the list's order, a page
// (limit ≥ 0) or all, with the total when withTotal.
func (s *Store) eachGapChild(ctx context.Context, v access.Viewer, code, gap string, limit, offset int, withTotal bool, fn func(GapChild, int) error) error {
	r, err := s.node(ctx, v, code)
	if err != nil {
		return err
	}
	cond, err := gapCond(gap)
	if err != nil {
		return err
	}
	where, args := gapWhere(v, r.Code)
	args = append(slices.Clone(gapJoinArgs), args...)
	page := ""
	if limit >= 0 {
		page = ` LIMIT ? OFFSET ?`
		args = append(args, limit, offset)
	}
	total := "0"
	if withTotal {
		total = "COUNT(*) OVER ()"
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT c.id, c.name, c.sex, c.village_code, COALESCE(sc.name, ''), `+total+`, `+gapCols()+
		gapJoins+` LEFT JOIN schools sc ON sc.id = c.school_id WHERE `+where+` AND `+cond+` ORDER BY c.village_code, c.name, c.id`+page, args...)
	if err != nil {
		return errs.Wrap(err, "care: gap children")
	}
	defer rows.Close()
	places := map[string]string{}
	for rows.Next() {
		var c GapChild
		var total int
		vals := make([]int64, len(GapKeys))
		dst := []any{&c.ID, &c.Name, &c.Sex, &c.VillageCode, &c.SchoolName, &total}
		for i := range vals {
			dst = append(dst, &vals[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return errs.Wrap(err, "care: gap children")
		}
		c.Missing = []string{}
		for i, k := range GapKeys {
			if vals[i] == 1 {
				c.Missing = append(c.Missing, k)
			}
		}
		p, ok := places[c.VillageCode]
		if !ok {
			p = s.shortPlace(ctx, c.VillageCode)
			places[c.VillageCode] = p
		}
		c.Place = p
		if err := fn(c, total); err != nil {
			return err
		}
	}
	return errs.Wrap(rows.Err(), "care: gap children")
}

// shortPlace names a village with its township: 大田坝镇 › 文沧村民委员会.
func (s *Store) shortPlace(ctx context.Context, village string) string {
	path, err := s.regions.Path(ctx, village)
	if err != nil || len(path) == 0 {
		return village
	}
	if len(path) > 2 {
		path = path[len(path)-2:]
	}
	names := make([]string, len(path))
	for i, r := range path {
		names[i] = r.Name
	}
	return strings.Join(names, regions.PathSeparator)
}
