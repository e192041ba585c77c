package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"guanai/internal/access"
	"guanai/internal/authn"
	"guanai/internal/errs"
	"guanai/internal/regions"
)

// regionNav is the region tree as far as a viewer may see it, at one node:
// the path from the viewer's own region (never above it) down to the node,
// and the nodes directly under it (never beside it). It is shown as a
// breadcrumb of links, as a list of links to drill down, or, inside a
// form, as a picker (see the picker template).
type regionNav struct {
	// Path runs from the viewer's region to the current node, which is
	// last; Last is its index.
	Path []regionLink
	Last int
	// Kids are the nodes directly under the current one; KidLevel names
	// their level (乡级 …).
	Kids     []regionLink
	KidLevel string
	// Current is the current node's 12-digit code ("" for all of China);
	// CurrentPath its names joined, from the viewer's region.
	Current     string
	CurrentPath string
	CurrentName string
	// Level is the current node's level (0 for all of China).
	Level regions.Level

	// ID is the id of the breadcrumb element; HXTarget, when set, makes
	// its links fetch just that element.
	ID       string
	HXTarget string

	// Picker inside a form: the form field holding the code, its label,
	// help and error; Swapped marks a picker fetched by htmx (focus moves
	// to it).
	Field, Label, Help, Error string
	Swapped                   bool
}

// regionLink is one node as a link (or picker button).
type regionLink struct {
	Code, Name string
	// Href is the link's address (for a picker: the address htmx fetches
	// the picker from).
	Href string
}

// DescribedBy lists the ids of the help and error of a picker.
func (n regionNav) DescribedBy() string {
	var ids []string
	if n.Help != "" {
		ids = append(ids, n.Field+"-help")
	}
	if n.Error != "" {
		ids = append(ids, n.Field+"-error")
	}
	return strings.Join(ids, " ")
}

// scopeRoot returns the 12-digit code of the viewer's region ("" for all
// of China).
func scopeRoot(v access.Viewer) string {
	root, err := regions.Normalize(v.Region)
	if err != nil {
		return regions.Root
	}
	return root
}

// inScope reports whether a 12-digit code lies in the viewer's subtree
// (which includes the viewer's own region). It looks at the region only,
// not at Nobody or the school: it decides what of the tree to show.
func inScope(v access.Viewer, code string) bool {
	lo, hi := regions.Range(scopeRoot(v))
	return code >= lo && code < hi
}

// clampRegion returns code normalised if it is a node in the viewer's
// subtree, else the viewer's own region: whatever an address asks for,
// the tree shown never leaves the viewer's scope.
func clampRegion(v access.Viewer, code string) string {
	root := scopeRoot(v)
	c, err := regions.Normalize(code)
	if err != nil || c == regions.Root || !inScope(v, c) {
		return root
	}
	return c
}

// shortName shortens the names of village-level committees as people say
// them: 文沧村民委员会 → 文沧村, 城关社区居民委员会 → 城关社区.
func shortName(name string) string {
	switch {
	case strings.HasSuffix(name, "村民委员会"):
		return strings.TrimSuffix(name, "民委员会")
	case strings.HasSuffix(name, "社区居民委员会"):
		return strings.TrimSuffix(name, "居民委员会")
	case strings.HasSuffix(name, "居民委员会"):
		return strings.TrimSuffix(name, "居民委员会") + "社区"
	case strings.HasSuffix(name, "村委会"):
		return strings.TrimSuffix(name, "委会")
	}
	return name
}

// placeName returns what the nodes of a level are called in l (乡镇（街道）…).
func placeName(l lang, lv regions.Level) string {
	return l.T("place." + strconv.Itoa(int(lv)))
}

// regionNav returns the tree at code for the viewer (clamped to the
// viewer's subtree; an unknown code falls back to the viewer's region),
// with href giving each node's address.
func (w *Web) regionNav(ctx context.Context, l lang, v access.Viewer, code string, href func(code string) string) (regionNav, error) {
	root := scopeRoot(v)
	code = clampRegion(v, code)
	path, err := w.app.Regions.Path(ctx, code)
	if errs.CodeOf(err) == errs.NotFound && code != root {
		code = root
		path, err = w.app.Regions.Path(ctx, code)
	}
	if err != nil {
		return regionNav{}, err
	}
	kids, err := w.kids.get(ctx, w.app.Regions, code)
	if err != nil {
		return regionNav{}, err
	}
	n := regionNav{Current: code}
	if root == regions.Root {
		n.Path = append(n.Path, regionLink{Code: "", Name: l.T("region.china"), Href: href("")})
	}
	for _, r := range path {
		if inScope(v, r.Code) {
			n.Path = append(n.Path, regionLink{Code: r.Code, Name: shortName(r.Name), Href: href(r.Code)})
		}
	}
	if len(n.Path) == 0 {
		// The viewer's own region is missing from the tree: show it by code.
		n.Path = []regionLink{{Code: code, Name: code, Href: href(code)}}
	}
	n.Last = len(n.Path) - 1
	names := make([]string, len(n.Path))
	for i, p := range n.Path {
		names[i] = p.Name
	}
	n.CurrentPath = strings.Join(names, regions.PathSeparator)
	n.CurrentName = n.Path[n.Last].Name
	n.Level = regions.LevelOf(code)
	for _, k := range kids {
		n.Kids = append(n.Kids, regionLink{Code: k.Code, Name: shortName(k.Name), Href: href(k.Code)})
	}
	if len(kids) > 0 {
		n.KidLevel = placeName(l, kids[0].Level)
	}
	return n, nil
}

// regionKids caches the nodes under a node, which every list page and
// picker shows: the tree does not change while guanai runs. It holds at
// most maxKidsCached nodes' lists and starts over when full.
type regionKids struct {
	mu sync.RWMutex
	m  map[string][]regions.Region
}

const maxKidsCached = 20000

func (c *regionKids) get(ctx context.Context, rs *regions.Store, code string) ([]regions.Region, error) {
	c.mu.RLock()
	kids, ok := c.m[code]
	c.mu.RUnlock()
	if ok {
		return kids, nil
	}
	kids, err := rs.Children(ctx, code)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxKidsCached {
		c.m = map[string][]regions.Region{}
	}
	c.m[code] = kids
	c.mu.Unlock()
	return kids, nil
}

// pickerFields are the form fields that hold a region code, with the
// catalog keys of their labels and help: a child's or an elder's village,
// a school's region.
var pickerFields = map[string]struct{ label, help string }{
	"village_code": {"field.village_code", "help.village_code"},
	"region_code":  {"field.region_code", "help.region_code"},
}

// pickerHref is where htmx fetches the picker of field at code.
func pickerHref(field string) func(string) string {
	return func(code string) string {
		return "/regions/picker?" + url.Values{"field": {field}, "at": {code}}.Encode()
	}
}

// picker returns the picker of a form field at code.
func (w *Web) picker(ctx context.Context, l lang, v access.Viewer, field, code, fieldErr string) (regionNav, error) {
	n, err := w.regionNav(ctx, l, v, code, pickerHref(field))
	if err != nil {
		return n, err
	}
	f := pickerFields[field]
	n.Field, n.Label, n.Help, n.Error = field, l.T(f.label), l.T(f.help), fieldErr
	return n, nil
}

// regionPicker serves a form's picker moved to another node, for htmx.
func (w *Web) regionPicker(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	field := r.URL.Query().Get("field")
	if _, ok := pickerFields[field]; !ok || !seesChildren(id.Viewer) {
		return notFound
	}
	n, err := w.picker(r.Context(), langOf(r), id.Viewer, field, r.URL.Query().Get("at"), "")
	if err != nil {
		return err
	}
	n.Swapped = true
	w.renderPart(rw, r, http.StatusOK, "recordform", "picker", n)
	return nil
}

// picked returns the node a no-JavaScript picker button asked for (the
// form posted back to move the picker, not to save), if one did.
func picked(r *http.Request) (field, code string, ok bool) {
	for f := range pickerFields {
		if vs, has := r.PostForm["_pick_"+f]; has && len(vs) > 0 {
			return f, clean(vs[0]), true
		}
	}
	return "", "", false
}
