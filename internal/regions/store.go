package regions

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"

	"guanai/internal/errs"
	"guanai/internal/storage"
)

// Store reads the division tree from the regions table. The tree does not
// change once loaded, so Store keeps the nodes it has read in a small
// cache; the table stays the source of truth. A Store is safe for
// concurrent use.
type Store struct {
	db *storage.DB

	mu    sync.RWMutex
	cache map[string]Region
}

// maxCached bounds the cache; when it is full it starts over.
const maxCached = 20000

// NewStore returns a Store reading from db.
func NewStore(db *storage.DB) *Store {
	return &Store{db: db, cache: map[string]Region{}}
}

// rootRegion is the synthetic node standing for all of China.
var rootRegion = Region{Code: Root, Name: "全国", Level: 0}

// PathSeparator joins the names in PathString.
const PathSeparator = " › "

func (s *Store) cached(code12 string) (Region, bool) {
	s.mu.RLock()
	r, ok := s.cache[code12]
	s.mu.RUnlock()
	return r, ok
}

func (s *Store) remember(rs ...Region) {
	s.mu.Lock()
	if len(s.cache)+len(rs) > maxCached {
		s.cache = map[string]Region{}
	}
	for _, r := range rs {
		s.cache[r.Code] = r
	}
	s.mu.Unlock()
}

// notFound is the error for a well-formed code that is not in the table.
func notFound(code12 string) error {
	return errs.Newf(errs.NotFound, "行政区划代码%s不存在", code12)
}

const regionCols = `code, name, level, COALESCE(parent_code, '')`

func scanRegion(sc interface{ Scan(...any) error }) (Region, error) {
	var r Region
	var level int
	if err := sc.Scan(&r.Code, &r.Name, &level, &r.ParentCode); err != nil {
		return Region{}, err
	}
	r.Level = Level(level)
	return r, nil
}

func scanRegions(rows *sql.Rows) ([]Region, error) {
	defer rows.Close()
	out := []Region{}
	for rows.Next() {
		r, err := scanRegion(rows)
		if err != nil {
			return nil, errs.Wrap(err, "regions: scan")
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(storage.MapErr(err), "regions: scan")
	}
	return out, nil
}

func scanCounts(rows *sql.Rows) (map[Level]int, error) {
	defer rows.Close()
	counts := map[Level]int{}
	for rows.Next() {
		var level, n int
		if err := rows.Scan(&level, &n); err != nil {
			return nil, errs.Wrap(err, "regions: count")
		}
		counts[Level(level)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(storage.MapErr(err), "regions: count")
	}
	return counts, nil
}

// Get returns the node with the given code (short or 12 digits); Root
// gives the synthetic node {Code: "", Name: "全国", Level: 0}. It returns
// errs.Invalid for a malformed code and errs.NotFound for an unknown one.
func (s *Store) Get(ctx context.Context, code string) (Region, error) {
	code12, err := Normalize(code)
	if err != nil {
		return Region{}, err
	}
	if code12 == Root {
		return rootRegion, nil
	}
	if r, ok := s.cached(code12); ok {
		return r, nil
	}
	r, err := scanRegion(s.db.Reader().QueryRowContext(ctx, `SELECT `+regionCols+` FROM regions WHERE code = ?`, code12))
	if errors.Is(err, sql.ErrNoRows) {
		return Region{}, notFound(code12)
	}
	if err != nil {
		return Region{}, errs.Wrap(err, "regions: get")
	}
	s.remember(r)
	return r, nil
}

// Children returns the nodes directly under code, ordered by code: the
// provinces for Root, nothing for a village. It returns errs.Invalid for a
// malformed code and errs.NotFound for an unknown one.
func (s *Store) Children(ctx context.Context, code string) ([]Region, error) {
	code12, err := Normalize(code)
	if err != nil {
		return nil, err
	}
	var rows *sql.Rows
	if code12 == Root {
		rows, err = s.db.Reader().QueryContext(ctx, `SELECT `+regionCols+` FROM regions WHERE level = ? ORDER BY code`, int(Province))
	} else {
		rows, err = s.db.Reader().QueryContext(ctx, `SELECT `+regionCols+` FROM regions WHERE parent_code = ? ORDER BY code`, code12)
	}
	if err != nil {
		return nil, errs.Wrap(err, "regions: children")
	}
	out, err := scanRegions(rows)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 && code12 != Root {
		if _, err := s.Get(ctx, code12); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Path returns the nodes from the province down to code itself (empty for
// Root), read in one query: the ancestors' codes follow from the code. It
// returns errs.Invalid for a malformed code and errs.NotFound for an
// unknown one.
func (s *Store) Path(ctx context.Context, code string) ([]Region, error) {
	code12, err := Normalize(code)
	if err != nil {
		return nil, err
	}
	if code12 == Root {
		return []Region{}, nil
	}
	codes := ancestors(code12)
	out := make([]Region, 0, len(codes))
	for _, c := range codes {
		r, ok := s.cached(c)
		if !ok {
			out = nil
			break
		}
		out = append(out, r)
	}
	if out != nil {
		return out, nil
	}
	args := make([]any, len(codes))
	for i, c := range codes {
		args[i] = c
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+regionCols+` FROM regions WHERE code IN (?`+strings.Repeat(", ?", len(codes)-1)+`) ORDER BY code`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "regions: path")
	}
	out, err = scanRegions(rows)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 || out[len(out)-1].Code != code12 {
		return nil, notFound(code12)
	}
	s.remember(out...)
	return out, nil
}

// PathString returns the names on code's path joined by PathSeparator,
// e.g. "云南省 › 保山市 › 昌宁县 › 大田坝镇 › 文沧村民委员会"; "全国" for Root.
// It returns the errors of Path.
func (s *Store) PathString(ctx context.Context, code string) (string, error) {
	path, err := s.Path(ctx, code)
	if err != nil {
		return "", err
	}
	if len(path) == 0 {
		return rootRegion.Name, nil
	}
	names := make([]string, len(path))
	for i, r := range path {
		names[i] = r.Name
	}
	return strings.Join(names, PathSeparator), nil
}

// CountsByLevel counts the descendants of code (not code itself) by level,
// with one range query; for Root it counts the whole table. Levels without
// nodes are absent from the map. It returns errs.Invalid for a malformed
// code and errs.NotFound for an unknown one.
func (s *Store) CountsByLevel(ctx context.Context, code string) (map[Level]int, error) {
	code12, err := Normalize(code)
	if err != nil {
		return nil, err
	}
	lo, hi := Range(code12)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT level, COUNT(*) FROM regions WHERE code >= ? AND code < ? GROUP BY level`, lo, hi)
	if err != nil {
		return nil, errs.Wrap(err, "regions: counts")
	}
	counts, err := scanCounts(rows)
	if err != nil {
		return nil, err
	}
	if code12 != Root {
		// Every other node in the range is deeper, so the node's own level
		// counts just the node: 0 means it does not exist.
		l := LevelOf(code12)
		if counts[l] == 0 {
			return nil, notFound(code12)
		}
		delete(counts, l)
	}
	return counts, nil
}

// IsVillage reports whether code names a village (level 5) in the table,
// reading through q so that it can run inside a write transaction. It
// returns errs.Invalid for a malformed code and false for an unknown one.
func (s *Store) IsVillage(ctx context.Context, q storage.Querier, code string) (bool, error) {
	code12, err := Normalize(code)
	if err != nil {
		return false, err
	}
	if LevelOf(code12) != Village {
		return false, nil
	}
	if r, ok := s.cached(code12); ok {
		return r.Level == Village, nil
	}
	var level int
	err = q.QueryRowContext(ctx, `SELECT level FROM regions WHERE code = ?`, code12).Scan(&level)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, errs.Wrap(err, "regions: is village")
	}
	return Level(level) == Village, nil
}

// namesPerQuery bounds the IN list of one Names query.
const namesPerQuery = 500

// Names returns the names of the given codes, for labelling lists: the map
// is keyed by the codes as given (short or 12 digits; Root is "全国"), and
// malformed or unknown codes are left out.
func (s *Store) Names(ctx context.Context, codes []string) (map[string]string, error) {
	out := make(map[string]string, len(codes))
	byCode12 := map[string][]string{} // 12-digit code → the codes given for it
	var missing []any
	for _, c := range codes {
		code12, err := Normalize(c)
		if err != nil {
			continue
		}
		if code12 == Root {
			out[c] = rootRegion.Name
			continue
		}
		if r, ok := s.cached(code12); ok {
			out[c] = r.Name
			continue
		}
		if _, ok := byCode12[code12]; !ok {
			missing = append(missing, code12)
		}
		byCode12[code12] = append(byCode12[code12], c)
	}
	for len(missing) > 0 {
		chunk := missing[:min(len(missing), namesPerQuery)]
		missing = missing[len(chunk):]
		rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+regionCols+` FROM regions WHERE code IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, chunk...)
		if err != nil {
			return nil, errs.Wrap(err, "regions: names")
		}
		rs, err := scanRegions(rows)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			for _, c := range byCode12[r.Code] {
				out[c] = r.Name
			}
		}
		s.remember(rs...)
	}
	return out, nil
}
