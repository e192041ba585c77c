package children

import (
	"context"

	"guanai/internal/storage"
)

// Hook is work another package does in the transaction of a write, for
// the children the write changed. Packages that must not import the one
// that does the work take it as a Hook, registered at app construction:
// package followup keeps each child's earliest due visit so (its schedule
// reads the child's village, category and archived state, and the care
// team package care keeps).
type Hook func(ctx context.Context, tx *storage.Tx, childIDs ...string) error

// OnScheduleChange registers h, called in the transaction of every write
// that changes what a follow-up schedule reads of a child (see
// scheduleFactsChanged) with the ids of the children changed, after the
// write's audit entries — every audited writer takes the audit chain's
// lock first, so a hook that takes a lock of its own takes it second,
// never in the other order. Call it before the store is used.
func (s *Store) OnScheduleChange(h Hook) { s.scheduleHook = h }

// scheduleChanged runs the registered hook for the children named (none:
// nothing to do).
func (s *Store) scheduleChanged(ctx context.Context, tx *storage.Tx, ids ...string) error {
	if s.scheduleHook == nil || len(ids) == 0 {
		return nil
	}
	return s.scheduleHook(ctx, tx, ids...)
}

// scheduleFactsChanged reports whether a change of a child from before to
// after changes what a follow-up schedule reads of it: its village,
// whether it is left behind, whether it is in difficulty, whether it is
// archived.
func scheduleFactsChanged(before, after Child) bool {
	return before.VillageCode != after.VillageCode || before.LeftBehind != after.LeftBehind ||
		(len(before.Difficulty) > 0) != (len(after.Difficulty) > 0) || before.Archived != after.Archived
}
