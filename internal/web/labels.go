package web

import (
	"strconv"

	"guanai/internal/accounts"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/person"
	"guanai/internal/schools"
)

// The labels of the domain's codes in the page's language: the domain's
// own Chinese label, or the catalog's English one. Keys are
// <kind>.<code>.

func categoryLabel(l lang, c string) string { return l.label("category."+c, children.CategoryLabel(c)) }
func reasonLabel(l lang, r string) string   { return l.label("reason."+r, children.ReasonLabel(r)) }
func parentLabel(l lang, p children.ParentStatus) string {
	return l.label("parent."+string(p), p.Label())
}
func difficultyLabel(l lang, d string) string {
	return l.label("difficulty."+d, children.DifficultyLabel(d))
}
func childHealthLabel(l lang, f string) string {
	return l.label("health."+f, children.HealthFlagLabel(f))
}
func disabilityLabel(l lang, d string) string {
	return l.label("disability."+d, children.DisabilityLabel(d))
}
func elderHealthLabel(l lang, f string) string {
	return l.label("health."+f, elders.HealthFlagLabel(f))
}
func livingLabel(l lang, k string) string { return l.label("living."+k, elders.LivingLabel(k)) }
func kindLabel(l lang, k string) string   { return l.label("kind."+k, schools.KindLabel(k)) }
func gradeLabel(l lang, g int) string {
	return l.label("grade."+strconv.Itoa(g), schools.GradeLabel(g))
}
func roleLabel(l lang, r string) string { return l.label("role."+r, accounts.RoleLabel(r)) }
func sexLabel(l lang, s string) string  { return l.label("sex."+s, person.SexLabel(s)) }
func hukouLabel(l lang, h string) string {
	switch h {
	case children.HukouRural, children.HukouUrban:
		return l.T("hukou." + h)
	}
	return h
}

// labels maps codes to their labels.
func labelsOf(l lang, codes []string, label func(lang, string) string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = label(l, c)
	}
	return out
}

// labeller binds a label function to a language.
func labeller(l lang, label func(lang, string) string) func(string) string {
	return func(c string) string { return label(l, c) }
}
