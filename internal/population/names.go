package population

import (
	"context"
	"strings"

	"guanai/internal/access"
	"guanai/internal/errs"
	"guanai/internal/regions"
)

// resolver finds the node a row names by its 区划名称: a path of names
// from the province down (云南省保山市昌宁县大田坝镇, with or without
// separators between the names), or from a node above the importer's
// scope or the scope's own root down (昌宁县 › 大田坝镇 for a prefecture
// official of 保山市). It reads each node's child nodes once per import.
type resolver struct {
	rs     *regions.Store
	v      access.Viewer
	kids   map[string][]regions.Region
	starts []string
	memo   map[string]resolution
}

// resolution is where a name leads: a code, or why it does not.
type resolution struct {
	code string
	why  string
}

func newResolver(rs *regions.Store, v access.Viewer) *resolver {
	return &resolver{rs: rs, v: v, kids: map[string][]regions.Region{}, memo: map[string]resolution{}}
}

// separators are what may stand between the names of a path.
const separators = " \u3000/\\>›»|,，、-—·"

func isSeparator(r rune) bool { return strings.ContainsRune(separators, r) }

// nameSuffixes are the endings the names of each level may be written
// with or without: 昌宁县 and 昌宁, 大田坝镇 and 大田坝.
var nameSuffixes = []string{"村民委员会", "居民委员会", "社区居委会", "街道办事处", "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区",
	"自治区", "自治州", "自治县", "自治旗", "民族乡", "村委会", "居委会", "地区", "街道", "社区", "省", "市", "县", "区", "镇", "乡", "村", "旗", "盟"}

// core is a name without its level's ending.
func core(name string) string {
	name = strings.TrimSpace(name)
	for _, s := range nameSuffixes {
		if t, ok := strings.CutSuffix(name, s); ok && t != "" {
			return t
		}
	}
	return name
}

func (r *resolver) children(ctx context.Context, code string) ([]regions.Region, error) {
	if k, ok := r.kids[code]; ok {
		return k, nil
	}
	k, err := r.rs.Children(ctx, code)
	if err != nil {
		return nil, err
	}
	r.kids[code] = k
	return k, nil
}

// startPoints are the nodes a path may start under: all of China, then
// the importer's scope root and its ancestors.
func (r *resolver) startPoints(ctx context.Context) ([]string, error) {
	if r.starts != nil {
		return r.starts, nil
	}
	r.starts = []string{regions.Root}
	if r.v.Region != regions.Root {
		path, err := r.rs.Path(ctx, r.v.Region)
		if err != nil {
			return nil, err
		}
		for _, p := range path {
			r.starts = append(r.starts, p.Code)
		}
	}
	return r.starts, nil
}

// walk follows text down from the node from; ok is false when some name
// in it is no child of the node reached.
func (r *resolver) walk(ctx context.Context, from, text string) (string, bool, error) {
	cur, rest, steps := from, text, 0
	for {
		rest = strings.TrimLeftFunc(rest, isSeparator)
		if rest == "" {
			return cur, steps > 0, nil
		}
		kids, err := r.children(ctx, cur)
		if err != nil {
			return "", false, err
		}
		// The longest full name the text begins with (保山市 before 保山).
		best := -1
		for i, k := range kids {
			if strings.HasPrefix(rest, k.Name) && (best < 0 || len(k.Name) > len(kids[best].Name)) {
				best = i
			}
		}
		if best >= 0 {
			cur, rest, steps = kids[best].Code, rest[len(kids[best].Name):], steps+1
			continue
		}
		// Else the next name up to a separator, by its core (昌宁 for 昌宁县).
		seg, after := rest, ""
		if i := strings.IndexFunc(rest, isSeparator); i >= 0 {
			seg, after = rest[:i], rest[i:]
		}
		c := core(seg)
		var hits []string
		for _, k := range kids {
			if core(k.Name) == c {
				hits = append(hits, k.Code)
			}
		}
		if len(hits) != 1 {
			return "", false, nil
		}
		cur, rest, steps = hits[0], after, steps+1
	}
}

// byName resolves a 区划名称 to a node in the importer's scope.
func (r *resolver) byName(ctx context.Context, name string) (resolution, error) {
	name = strings.TrimSpace(name)
	if res, ok := r.memo[name]; ok {
		return res, nil
	}
	starts, err := r.startPoints(ctx)
	if err != nil {
		return resolution{}, err
	}
	res := resolution{why: "找不到这个区划：请从省（或您管辖的区划）起写出完整名称，如“云南省保山市昌宁县大田坝镇”，或填写区划代码"}
	for _, s := range starts {
		code, ok, err := r.walk(ctx, s, name)
		if err != nil {
			return resolution{}, err
		}
		if !ok {
			continue
		}
		if !r.v.InRegion(code) {
			res = resolution{why: outOfScope(code)}
			continue
		}
		res = resolution{code: code}
		break
	}
	r.memo[name] = res
	return res, nil
}

// matches reports whether a 区划名称 written beside a code names that
// node: it leads to it, or ends with its name (or the name's core).
func (r *resolver) matches(ctx context.Context, name string, node regions.Region) (bool, error) {
	res, err := r.byName(ctx, name)
	if err != nil {
		return false, err
	}
	if res.code != "" {
		return res.code == node.Code, nil
	}
	name = strings.TrimRightFunc(strings.TrimSpace(name), isSeparator)
	if strings.HasSuffix(name, node.Name) {
		return true, nil
	}
	last := name
	if i := strings.LastIndexFunc(name, isSeparator); i >= 0 {
		last = name[i:]
		last = strings.TrimLeftFunc(last, isSeparator)
	}
	return core(last) == core(node.Name), nil
}

// outOfScope is the reason given for a node outside the importer's scope.
func outOfScope(code string) string {
	return "区划" + code + "不在您的管辖范围内"
}

// regionOf reads a node by code, as a row error's reason when it is not
// known.
func regionOf(ctx context.Context, rs *regions.Store, code string) (regions.Region, string, error) {
	reg, err := rs.Get(ctx, code)
	switch {
	case errs.Is(err, errs.NotFound):
		return regions.Region{}, "区划代码" + code + "不存在", nil
	case err != nil:
		return regions.Region{}, "", err
	}
	return reg, "", nil
}
