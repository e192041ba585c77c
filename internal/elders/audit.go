package elders

import (
	"context"
	"strconv"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/storage"
)

// RecordType is how the audit log names an elder record.
const RecordType = "elder"

// auditNames are the fields of an elder the audit log compares, in the
// order entries list them.
var auditNames = []string{"id_number", "name", "sex", "birth_date", "village_code", "living", "children_away",
	"contact_name", "contact_relation", "contact_phone", "health_flags", "notes"}

// auditMasked are the fields whose values never reach the audit log: a
// change shows as "***" (or "" for an empty value).
var auditMasked = map[string]bool{"id_number": true, "health_flags": true}

// auditValues returns e's audited fields as text; the ID number is passed
// as its comparison token (see token), never as the number.
func auditValues(e Elder, idToken string) map[string]string {
	birth := ""
	if !e.BirthDate.IsZero() {
		birth = e.BirthDate.Format(storage.DateLayout)
	}
	return map[string]string{
		"id_number":        idToken,
		"name":             e.Name,
		"sex":              e.Sex,
		"birth_date":       birth,
		"village_code":     e.VillageCode,
		"living":           e.Living,
		"children_away":    strconv.Itoa(e.ChildrenAway),
		"contact_name":     e.ContactName,
		"contact_relation": e.ContactRelation,
		"contact_phone":    e.ContactPhone,
		"health_flags":     person.JoinSet(e.HealthFlags),
		"notes":            e.Notes,
	}
}

// elder returns the record a valid input becomes.
func (val valid) elder() Elder {
	in := val.in
	return Elder{Name: in.Name, Sex: in.Sex, BirthDate: val.birth, VillageCode: in.VillageCode, Living: in.Living,
		ChildrenAway: in.ChildrenAway, ContactName: in.ContactName, ContactRelation: in.ContactRelation, ContactPhone: in.ContactPhone,
		HealthFlags: in.HealthFlags, Notes: in.Notes}
}

// token turns an ID number into what the audit diff compares: its keyed
// hash (the same as the stored id_hash), so that not even an unmasked
// field could put a number in the log.
func (s *Store) token(number string) string {
	if number == "" {
		return ""
	}
	return s.vault.Hash("elder", number)
}

// logView records that v was shown sensitive fields of an elder (id "" for
// a list), in a transaction of its own that commits before the caller may
// return the record.
func (s *Store) logView(ctx context.Context, v access.Viewer, id, note string) error {
	err := audit.Log(ctx, s.db, v, audit.Entry{Action: audit.ActionViewSensitive, RecordType: RecordType, RecordID: id, Note: note})
	return errs.Wrap(err, "audit view")
}

// written reads, inside a write's transaction, the record it has just
// produced (by id alone: a record the viewer has just written may lie
// outside their scope), and presents it to v: ID number masked, and health
// flags only when the caller has just supplied them (echoHealth), so that
// a write's response is never an unaudited view.
func (s *Store) written(ctx context.Context, tx *storage.Tx, v access.Viewer, id string, echoHealth bool) (Elder, error) {
	e, c, err := s.get(ctx, tx, access.System(), id)
	if err != nil {
		return Elder{}, err
	}
	if e, err = s.present(v, e, c, false); err != nil {
		return Elder{}, err
	}
	if !echoHealth && v.May.Health {
		e.HealthFlags = []string{}
		e.Masked = append(e.Masked, "health")
	}
	return e, nil
}
