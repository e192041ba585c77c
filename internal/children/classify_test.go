package children

import (
	"testing"
	"time"
)

func d(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestClassify(t *testing.T) {
	birth := d("2010-06-15")
	cases := []struct {
		name           string
		f              Facts
		asOf           string
		leftBehind     bool
		reason         string
		categoriesWant string
	}{
		{"both away", Facts{BirthDate: birth, Hukou: HukouRural, Father: ParentAway, Mother: ParentAway}, "2020-01-01", true, ReasonBothAway, "left_behind"},
		{"day before 16th birthday", Facts{BirthDate: birth, Hukou: HukouRural, Father: ParentAway, Mother: ParentAway}, "2026-06-14", true, ReasonBothAway, "left_behind"},
		{"on 16th birthday", Facts{BirthDate: birth, Hukou: HukouRural, Father: ParentAway, Mother: ParentAway}, "2026-06-15", false, ReasonAge16, ""},
		{"father away, mother incapable", Facts{BirthDate: birth, Hukou: HukouRural, Father: ParentAway, Mother: ParentIncapable}, "2020-01-01", true, ReasonAwayIncapable, "left_behind"},
		{"mother away, father incapable", Facts{BirthDate: birth, Hukou: HukouRural, Father: ParentIncapable, Mother: ParentAway}, "2020-01-01", true, ReasonAwayIncapable, "left_behind"},
		{"one away, other at home", Facts{BirthDate: birth, Hukou: HukouRural, Father: ParentAway, Mother: ParentHome}, "2020-01-01", false, ReasonParentCares, ""},
		{"one away, other deceased", Facts{BirthDate: birth, Hukou: HukouRural, Father: ParentDeceased, Mother: ParentAway}, "2020-01-01", true, ReasonAwayDeceased, "left_behind"},
		{"one away, other unknown", Facts{BirthDate: birth, Hukou: HukouRural, Father: ParentAway, Mother: ParentUnknown}, "2020-01-01", false, ReasonParentCares, ""},
		{"both away, urban registration", Facts{BirthDate: birth, Hukou: HukouUrban, Father: ParentAway, Mother: ParentAway}, "2020-01-01", false, ReasonUrban, ""},
		{"both home", Facts{BirthDate: birth, Hukou: HukouRural, Father: ParentHome, Mother: ParentHome}, "2020-01-01", false, ReasonParentCares, ""},
		{"both incapable is not left-behind", Facts{BirthDate: birth, Hukou: HukouRural, Father: ParentIncapable, Mother: ParentIncapable}, "2020-01-01", false, ReasonParentCares, ""},
		{"difficulty and migrant recorded", Facts{BirthDate: birth, Hukou: HukouRural, Father: ParentAway, Mother: ParentAway, Difficulty: []string{DifficultyPoverty}, Migrant: true}, "2020-01-01", true, ReasonBothAway, "left_behind,difficulty,migrant"},
		{"over 16 keeps difficulty", Facts{BirthDate: birth, Hukou: HukouRural, Father: ParentAway, Mother: ParentAway, Difficulty: []string{DifficultyDisability}}, "2027-01-01", false, ReasonAge16, "difficulty"},
		{"leap-day birth turns 16 on Feb 29", Facts{BirthDate: d("2012-02-29"), Hukou: HukouRural, Father: ParentAway, Mother: ParentAway}, "2028-02-29", false, ReasonAge16, ""},
		{"leap-day birth, day before", Facts{BirthDate: d("2012-02-29"), Hukou: HukouRural, Father: ParentAway, Mother: ParentAway}, "2028-02-28", true, ReasonBothAway, "left_behind"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Classify(c.f, d(c.asOf))
			if got.LeftBehind != c.leftBehind || got.Reason != c.reason {
				t.Fatalf("Classify = %v/%s, want %v/%s", got.LeftBehind, got.Reason, c.leftBehind, c.reason)
			}
			cats := ""
			for i, k := range got.Categories {
				if i > 0 {
					cats += ","
				}
				cats += k
			}
			if cats != c.categoriesWant {
				t.Fatalf("categories = %q, want %q", cats, c.categoriesWant)
			}
		})
	}
}

// A time within the day of the 16th birthday counts as that day.
func TestClassifyIgnoresTimeOfDay(t *testing.T) {
	f := Facts{BirthDate: d("2010-06-15"), Hukou: HukouRural, Father: ParentAway, Mother: ParentAway}
	if Classify(f, time.Date(2026, 6, 14, 23, 59, 59, 0, time.UTC)).LeftBehind != true {
		t.Fatal("still left-behind at the end of the day before")
	}
	if Classify(f, time.Date(2026, 6, 15, 0, 0, 1, 0, time.UTC)).LeftBehind != false {
		t.Fatal("not left-behind on the birthday")
	}
}
