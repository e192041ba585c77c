package census

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"guanai/internal/access"
	"guanai/internal/errs"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// places resolves the place a row names — by the 12-digit code of its
// village, or by the names of its county, township and village — inside
// the viewer's scope. It reads the division tree of each province it needs
// once, into memory, so that a million rows cost a handful of queries. It
// is safe for concurrent use.
type places struct {
	*tree
	v    access.Viewer
	memo sync.Map // names → resolved
}

// tree is the part of the division tree one import or export has read:
// a province at a time, dropped with the operation (a national export
// would otherwise keep all 665,000 nodes in a server's memory).
type tree struct {
	db     *storage.DB
	mu     sync.RWMutex
	loaded map[string]bool     // province prefixes (2 digits) read
	nodes  map[string]node     // code → node
	kids   map[string][]string // parent code → child codes
}

func newTree(db *storage.DB) *tree {
	return &tree{db: db, loaded: map[string]bool{}, nodes: map[string]node{}, kids: map[string][]string{}}
}

type node struct {
	name  string
	core  string // the name without its level's suffix
	level regions.Level
}

type resolved struct {
	code  string
	field string // the column at fault, when reason is set
	value string
	why   string
}

func (s *Service) places(v access.Viewer) *places {
	return &places{tree: newTree(s.db), v: v}
}

// villageSuffixes, townshipSuffixes and countySuffixes are the endings the
// NBS names and the ways officials write them differ by.
var (
	villageSuffixes  = []string{"村民委员会（农村社区）", "社区居民委员会", "社区居委会", "村民委员会", "居民委员会", "村委会", "居委会", "社区", "村"}
	townshipSuffixes = []string{"街道办事处", "民族乡", "街道", "镇", "乡"}
	countySuffixes   = []string{"自治县", "自治旗", "特区", "林区", "县", "区", "市", "旗"}
)

var spaces = strings.NewReplacer(" ", "", "\u3000", "", "(", "（", ")", "）")

// core strips the suffixes a level's names end with: 文沧村民委员会 and
// 文沧村 are both 文沧.
func core(name string, l regions.Level) string {
	name = spaces.Replace(strings.TrimSpace(name))
	var sfx []string
	switch l {
	case regions.Village:
		sfx = villageSuffixes
	case regions.Township:
		sfx = townshipSuffixes
	case regions.County:
		sfx = countySuffixes
	}
	for changed := true; changed; {
		changed = false
		for _, s := range sfx {
			if t, ok := strings.CutSuffix(name, s); ok && t != "" {
				name, changed = t, true
				break
			}
		}
	}
	return name
}

// match rates how well a stored name fits what a row wrote: 3 the same
// name, 2 the same core (文沧村 for 文沧村民委员会), 1 a core that begins
// with the row's (寻甸县 for 寻甸回族彝族自治县), 0 no match.
func match(stored, written string, l regions.Level) int {
	return matchCore(stored, core(stored, l), written, core(written, l), l)
}

func matchCore(stored, cs, written, cw string, l regions.Level) int {
	written = strings.TrimSpace(written)
	if stored == written {
		return 3
	}
	switch {
	case cw == "":
		return 0
	case cs == cw:
		return 2
	case strings.HasPrefix(cs, cw) && l != regions.Village:
		return 1
	}
	return 0
}

// load reads the tree of the province of code into memory, once.
func (p *tree) load(ctx context.Context, code string) error {
	if len(code) < 2 {
		return nil
	}
	prov := code[:2]
	p.mu.RLock()
	done := p.loaded[prov]
	p.mu.RUnlock()
	if done {
		return nil
	}
	lo, hi := regions.Range(prov + "0000000000")
	rows, err := p.db.Reader().QueryContext(ctx, `SELECT code, name, level, COALESCE(parent_code, '') FROM regions WHERE code >= ? AND code < ?`, lo, hi)
	if err != nil {
		return errs.Wrap(err, "load regions")
	}
	defer rows.Close()
	nodes := map[string]node{}
	kids := map[string][]string{}
	for rows.Next() {
		var c, name, parent string
		var level int
		if err := rows.Scan(&c, &name, &level, &parent); err != nil {
			return errs.Wrap(err, "load regions")
		}
		nodes[c] = node{name: name, core: core(name, regions.Level(level)), level: regions.Level(level)}
		kids[parent] = append(kids[parent], c)
	}
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "load regions")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.loaded[prov] {
		for c, n := range nodes {
			p.nodes[c] = n
		}
		for parent, cs := range kids {
			p.kids[parent] = append(p.kids[parent], cs...)
		}
		p.loaded[prov] = true
	}
	return nil
}

// provincesFor returns the provinces to search for a name of level l that
// the row gives without a code above it: the viewer's own, or — for a
// national viewer — those holding a node of that level with that core.
func (p *places) provincesFor(ctx context.Context, name string, l regions.Level) ([]string, error) {
	if p.v.Region != "" {
		return []string{p.v.Region[:2]}, nil
	}
	c := core(name, l)
	if c == "" {
		return nil, nil
	}
	pattern := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(c) + "%"
	rows, err := p.db.Reader().QueryContext(ctx, `SELECT DISTINCT substr(code, 1, 2) FROM regions WHERE level = ? AND name LIKE ? ESCAPE '\'`, int(l), pattern)
	if err != nil {
		return nil, errs.Wrap(err, "find region")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, errs.Wrap(err, "find region")
		}
		out = append(out, s)
	}
	return out, errs.Wrap(rows.Err(), "find region")
}

// under returns the loaded nodes of level l under the region code (all
// loaded nodes of that level for Root) that lie in the viewer's scope or
// hold it.
func (p *places) under(parent string, l regions.Level) []string {
	lo, hi := regions.Range(parent)
	vlo, vhi := p.v.RegionRange()
	var out []string
	for c, n := range p.nodes {
		if n.level != l || c < lo || c >= hi {
			continue
		}
		clo, chi := regions.Range(c)
		if clo < vhi && vlo < chi { // overlaps the scope
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// pick chooses among candidates of level l the ones that fit name best.
func (p *places) pick(cands []string, name string, l regions.Level) []string {
	best, out := 0, []string(nil)
	cw := core(name, l)
	for _, c := range cands {
		n := p.nodes[c]
		m := matchCore(n.name, n.core, name, cw, l)
		switch {
		case m == 0 || m < best:
		case m > best:
			best, out = m, []string{c}
		default:
			out = append(out, c)
		}
	}
	return out
}

// path names a code as county › township › village.
func (p *places) path(code string) string {
	var names []string
	for c := code; c != regions.Root; c = regions.ParentOf(c) {
		n, ok := p.nodes[c]
		if !ok || n.level < regions.County {
			break
		}
		names = append([]string{n.name}, names...)
	}
	return strings.Join(names, "")
}

func (p *places) list(codes []string) string {
	var names []string
	for i, c := range codes {
		if i == 6 {
			names = append(names, fmt.Sprintf("等%d处", len(codes)))
			break
		}
		names = append(names, p.path(c))
	}
	return strings.Join(names, "、")
}

// level names a place column by level.
var levelField = map[regions.Level]string{regions.County: fieldCounty, regions.Township: fieldTownship, regions.Village: fieldVillage}

// byNames resolves county, township and village names (any may be empty
// but the village) to a village code in the viewer's scope.
func (p *places) byNames(ctx context.Context, county, township, village string) (resolved, error) {
	key := county + "\x00" + township + "\x00" + village
	if r, ok := p.memo.Load(key); ok {
		return r.(resolved), nil
	}
	r, err := p.resolveNames(ctx, county, township, village)
	if err != nil {
		return r, err
	}
	p.memo.Store(key, r)
	return r, nil
}

func (p *places) resolveNames(ctx context.Context, county, township, village string) (resolved, error) {
	given := []struct {
		l    regions.Level
		name string
	}{{regions.County, county}, {regions.Township, township}, {regions.Village, village}}
	var top string
	for _, g := range given {
		if g.name != "" {
			provs, err := p.provincesFor(ctx, g.name, g.l)
			if err != nil {
				return resolved{}, err
			}
			for _, pr := range provs {
				if err := p.load(ctx, pr); err != nil {
					return resolved{}, err
				}
			}
			top = g.name
			break
		}
	}
	if top == "" {
		return resolved{field: fieldVillage, why: "请填写“村（社区）代码”，或填写县、乡镇和村的名称"}, nil
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	parents := []string{regions.Root}
	for _, g := range given {
		if g.name == "" {
			continue
		}
		var cands []string
		for _, parent := range parents {
			cands = append(cands, p.under(parent, g.l)...)
		}
		if g.l == regions.Village {
			// Villages may also hang straight under a county-level node.
			var deep []string
			for _, parent := range parents {
				deep = append(deep, p.under(parent, regions.Village)...)
			}
			cands = deep
		}
		got := p.pick(cands, g.name, g.l)
		where := "您的管辖范围内"
		if len(parents) == 1 && parents[0] != regions.Root {
			where = p.path(parents[0]) + "下"
		}
		switch {
		case len(got) == 0:
			why := fmt.Sprintf("%s没有名为“%s”的%s", where, g.name, levelWord(g.l))
			if near := p.similar(cands, g.name, g.l); len(near) > 0 {
				why += "；相近的有：" + p.list(near)
			}
			return resolved{field: levelField[g.l], value: g.name, why: why}, nil
		case len(got) > 1 && g.l == regions.Village:
			return resolved{field: levelField[g.l], value: g.name, why: fmt.Sprintf("“%s”对应多个%s：%s，请填写县和乡镇名称或村（社区）代码", g.name, levelWord(g.l), p.list(got))}, nil
		}
		parents = got
	}
	if len(parents) != 1 {
		return resolved{field: fieldVillage, why: "请填写村（社区）名称"}, nil
	}
	return resolved{code: parents[0]}, nil
}

// similar lists candidates that share the first character of the name.
func (p *places) similar(cands []string, name string, l regions.Level) []string {
	c := []rune(core(name, l))
	if len(c) == 0 {
		return nil
	}
	var out []string
	for _, code := range cands {
		if strings.HasPrefix(p.nodes[code].core, string(c[0])) {
			out = append(out, code)
		}
	}
	return out
}

func levelWord(l regions.Level) string {
	switch l {
	case regions.County:
		return "县（市、区）"
	case regions.Township:
		return "乡（镇、街道）"
	}
	return "村（社区）"
}

// checkNames checks that the names a row gives beside its code name the
// code's places; it returns the column at fault.
func (p *places) checkNames(ctx context.Context, code, county, township, village string) (resolved, error) {
	if county == "" && township == "" && village == "" || len(code) != 12 {
		return resolved{code: code}, nil
	}
	if err := p.load(ctx, code); err != nil {
		return resolved{}, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if _, ok := p.nodes[code]; !ok {
		return resolved{code: code}, nil // the form's rule reports the code
	}
	for c := code; c != regions.Root; c = regions.ParentOf(c) {
		n := p.nodes[c]
		var written string
		switch n.level {
		case regions.County:
			written = county
		case regions.Township:
			written = township
		case regions.Village:
			written = village
		default:
			continue
		}
		if written != "" && match(n.name, written, n.level) == 0 {
			return resolved{field: levelField[n.level], value: written,
				why: fmt.Sprintf("“%s”与村（社区）代码%s（%s）不符", written, code, p.path(code))}, nil
		}
	}
	return resolved{code: code}, nil
}

// names returns the county, township and village names of a village code.
func (p *places) names(ctx context.Context, code string) (county, township, village string) {
	if p.load(ctx, code) != nil {
		return
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	for c := code; c != regions.Root; c = regions.ParentOf(c) {
		n := p.nodes[c]
		switch n.level {
		case regions.County:
			county = n.name
		case regions.Township:
			township = n.name
		case regions.Village:
			village = n.name
		}
	}
	return
}
