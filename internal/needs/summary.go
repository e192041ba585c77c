package needs

import (
	"context"

	"guanai/internal/access"
	"guanai/internal/errs"
	"guanai/internal/regions"
	"guanai/internal/tally"
)

// Count is the open needs of one region node: in all and by age band.
type Count struct {
	Code  string         `json:"code"`
	Name  string         `json:"name"`
	Open  int            `json:"open"`
	Bands map[string]int `json:"bands"`
}

// Summary is the open needs of a region node and of each of its child
// nodes.
type Summary struct {
	Total Count   `json:"total"`
	Rows  []Count `json:"rows"`
}

func summaryKeys() []string {
	keys := []string{KeyOpen}
	for _, b := range AgeBands {
		keys = append(keys, BandKey(b))
	}
	return keys
}

func countOf(code, name string, m map[string]int) Count {
	c := Count{Code: code, Name: name, Open: m[KeyOpen], Bands: map[string]int{}}
	for _, b := range AgeBands {
		c.Bands[b] = m[BandKey(b)]
	}
	return c
}

// Summary returns the open needs in a region node of v's view ("" for v's
// own region) and its child nodes, by age band. A viewer whose scope is a
// whole subtree reads the counters (tally domain "needs"); a school- or
// class-limited viewer gets a count of the needs of the children they see.
func (s *Store) Summary(ctx context.Context, v access.Viewer, region string) (Summary, error) {
	code := v.Region
	if region != "" {
		c, err := regions.Normalize(region)
		if err != nil {
			return Summary{}, err
		}
		code = c
	}
	if v.Nobody || v.PairedWith != "" || (code != v.Region && !v.InRegion(code)) {
		return Summary{}, errs.New(errs.NotFound, "该地区不在您的管辖范围内")
	}
	node, err := s.regions.Get(ctx, code)
	if err != nil {
		return Summary{}, err
	}
	kids, err := s.regions.Children(ctx, code)
	if err != nil {
		return Summary{}, err
	}
	var total map[string]int
	per := map[string]map[string]int{}
	if _, whole := v.Subtree(); whole {
		q := s.db.Reader()
		if total, err = tally.Get(ctx, q, code, summaryKeys()...); err != nil {
			return Summary{}, err
		}
		if per, err = tally.Children(ctx, q, code, summaryKeys()...); err != nil {
			return Summary{}, err
		}
	} else {
		total = map[string]int{}
		where, args, err := Filter{Region: code, Open: true}.where(v)
		if err != nil {
			return Summary{}, err
		}
		rows, err := s.db.Reader().QueryContext(ctx, `SELECT n.village_code, n.age_band, COUNT(*) FROM needs n JOIN children c ON c.id = n.child_id
			WHERE `+where+` GROUP BY n.village_code, n.age_band`, args...)
		if err != nil {
			return Summary{}, errs.Wrap(err, "needs: summary")
		}
		defer rows.Close()
		for rows.Next() {
			var village, band string
			var n int
			if err := rows.Scan(&village, &band, &n); err != nil {
				return Summary{}, errs.Wrap(err, "needs: summary")
			}
			total[KeyOpen] += n
			total[BandKey(band)] += n
			for c := village; c != ""; c = regions.ParentOf(c) {
				if regions.ParentOf(c) == code {
					if per[c] == nil {
						per[c] = map[string]int{}
					}
					per[c][KeyOpen] += n
					per[c][BandKey(band)] += n
					break
				}
			}
		}
		if err := rows.Err(); err != nil {
			return Summary{}, errs.Wrap(err, "needs: summary")
		}
	}
	out := Summary{Total: countOf(code, node.Name, total), Rows: []Count{}}
	for _, k := range kids {
		out.Rows = append(out.Rows, countOf(k.Code, k.Name, per[k.Code]))
	}
	return out, nil
}
