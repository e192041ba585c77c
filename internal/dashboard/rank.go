package dashboard

import (
	"math"
	"slices"
)

// Rankings returns the bulletin's rankings (定期通报) of a dashboard: for
// every metric marked Rank of every section, the section's child-node rows
// ranked best first — highest value first, lowest first when the metric
// is Lower. Equal values share a place and the next place skips as many
// (1, 2, 2, 4); rows of equal value keep the section's order.
//
// A row with no value for the metric (the key missing from its Values, or
// not a number) is omitted: it has no place. Sections broken down by month
// (the trend) are not ranked, and a metric no row has a value for gives no
// ranking, so a village (no child nodes) has none.
func Rankings(d Dashboard) []Ranking {
	var out []Ranking
	for _, s := range d.Sections {
		for _, m := range s.Metrics {
			if !m.Rank {
				continue
			}
			var items []RankedItem
			for _, r := range s.Rows {
				if r.Node.Kind == KindMonth {
					continue
				}
				v, ok := r.Values[m.Key]
				if !ok || math.IsNaN(v) {
					continue
				}
				items = append(items, RankedItem{Node: r.Node, Value: v})
			}
			if len(items) == 0 {
				continue
			}
			slices.SortStableFunc(items, func(a, b RankedItem) int {
				if m.Lower {
					a, b = b, a
				}
				switch {
				case a.Value > b.Value:
					return -1
				case a.Value < b.Value:
					return 1
				}
				return 0
			})
			for i := range items {
				if i > 0 && items[i].Value == items[i-1].Value {
					items[i].Place = items[i-1].Place
				} else {
					items[i].Place = i + 1
				}
			}
			out = append(out, Ranking{Section: s.ID, Metric: m, Items: items})
		}
	}
	return out
}
