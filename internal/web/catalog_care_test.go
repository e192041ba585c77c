package web

import (
	"testing"

	"guanai/internal/care"
)

// TestCareCatalog checks that every code of the care network the pages
// label has its English label.
func TestCareCatalog(t *testing.T) {
	var keys []string
	for _, r := range care.TeamRoles {
		keys = append(keys, "team."+r)
	}
	for _, k := range care.PairingKinds {
		keys = append(keys, "pairing_kind."+k)
	}
	for _, k := range care.PositionKinds {
		keys = append(keys, "position."+k)
	}
	for _, k := range care.GapKeys {
		keys = append(keys, "gap."+k)
	}
	for _, k := range keys {
		if m, ok := catalog[k]; !ok || m.en == "" {
			t.Errorf("catalog lacks English for %s", k)
		}
	}
}
