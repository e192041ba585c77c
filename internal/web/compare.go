package web

import "strings"

// compareRow is one field of two versions of a record side by side.
type compareRow struct {
	Name, Label   string
	Theirs, Yours string
	// Differs marks the rows whose values differ.
	Differs bool
}

// comparison is two versions of a record lined up, for the conflict
// page: the rows that differ first, the rest folded away.
type comparison []compareRow

// Differing returns the rows whose values differ.
func (c comparison) Differing() []compareRow { return c.filter(true) }

// Same returns the rows whose values agree.
func (c comparison) Same() []compareRow { return c.filter(false) }

func (c comparison) filter(differs bool) []compareRow {
	var out []compareRow
	for _, r := range c {
		if r.Differs == differs {
			out = append(out, r)
		}
	}
	return out
}

// compare lines up two fillings of the same form — the stored record's
// and the user's — field by field, as readers see the values.
func compare(lg lang, theirs, yours []formSection) comparison {
	var out []compareRow
	for i := range theirs {
		if i >= len(yours) {
			break
		}
		for j, tf := range theirs[i].Fields {
			if j >= len(yours[i].Fields) {
				break
			}
			yf := yours[i].Fields[j]
			row := compareRow{Name: tf.Name, Label: tf.Label, Theirs: tf.display(lg), Yours: yf.display(lg)}
			row.Differs = !strings.EqualFold(strings.TrimSpace(row.Theirs), strings.TrimSpace(row.Yours))
			out = append(out, row)
		}
	}
	return out
}
