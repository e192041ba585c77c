package children

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/storage"
)

// RecordType is how the audit log names a child record.
const RecordType = "child"

// auditNames are the fields of a child the audit log compares, in the
// order entries list them.
var auditNames = []string{"id_number", "name", "sex", "birth_date", "ethnicity", "hukou", "village_code", "school_id", "grade", "class_id",
	"father_status", "father_away_place", "father_phone", "mother_status", "mother_away_place", "mother_phone",
	"guardian_name", "guardian_relation", "guardian_phone", "guardian_id_number", "guardian_entrusted", "guardian_entrusted_on",
	"health_flags", "disability", "difficulty", "migrant", "notes", "left_behind", "left_behind_reason", "categories"}

// auditMasked are the fields whose values never reach the audit log: a
// change shows as "***" (or "" for an empty value).
var auditMasked = map[string]bool{"id_number": true, "guardian_id_number": true, "health_flags": true, "disability": true, "difficulty": true}

// classNames are the derived fields a re-classification changes.
var classNames = []string{"left_behind", "left_behind_reason", "categories"}

// auditValues returns c's audited fields as text. The ID numbers are
// passed separately as comparison tokens (keyed hashes, see token), never
// as numbers; the difficulty category is left out of categories.
func auditValues(c Child, idToken, guardianToken string) map[string]string {
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(storage.DateLayout)
	}
	grade := ""
	if c.SchoolID != "" || c.Grade != 0 {
		grade = strconv.Itoa(c.Grade)
	}
	return map[string]string{
		"id_number":             idToken,
		"name":                  c.Name,
		"sex":                   c.Sex,
		"birth_date":            date(c.BirthDate),
		"ethnicity":             c.Ethnicity,
		"hukou":                 c.Hukou,
		"village_code":          c.VillageCode,
		"school_id":             c.SchoolID,
		"grade":                 grade,
		"class_id":              c.ClassID,
		"father_status":         string(c.FatherStatus),
		"father_away_place":     c.FatherAwayPlace,
		"father_phone":          c.FatherPhone,
		"mother_status":         string(c.MotherStatus),
		"mother_away_place":     c.MotherAwayPlace,
		"mother_phone":          c.MotherPhone,
		"guardian_name":         c.Guardian.Name,
		"guardian_relation":     c.Guardian.Relation,
		"guardian_phone":        c.Guardian.Phone,
		"guardian_id_number":    guardianToken,
		"guardian_entrusted":    strconv.FormatBool(c.Guardian.Entrusted),
		"guardian_entrusted_on": date(c.Guardian.EntrustedOn),
		"health_flags":          person.JoinSet(c.HealthFlags),
		"disability":            c.Disability,
		"difficulty":            person.JoinSet(c.Difficulty),
		"migrant":               strconv.FormatBool(c.Migrant),
		"notes":                 c.Notes,
		"left_behind":           strconv.FormatBool(c.LeftBehind),
		"left_behind_reason":    c.LeftBehindReason,
		"categories":            person.JoinSet(dropDifficulty(c.Categories)),
	}
}

// child returns the record a valid input with classification cl becomes.
func (val valid) child(cl Classification) Child {
	in := val.in
	return Child{Name: in.Name, Sex: in.Sex, BirthDate: val.birth, Ethnicity: in.Ethnicity, Hukou: in.Hukou,
		VillageCode: in.VillageCode, SchoolID: in.SchoolID, Grade: in.Grade, ClassID: in.ClassID,
		FatherStatus: in.FatherStatus, FatherAwayPlace: in.FatherAwayPlace, FatherPhone: in.FatherPhone,
		MotherStatus: in.MotherStatus, MotherAwayPlace: in.MotherAwayPlace, MotherPhone: in.MotherPhone,
		Guardian: Guardian{Name: in.GuardianName, Relation: in.GuardianRelation, Phone: in.GuardianPhone,
			Entrusted: in.GuardianEntrusted, EntrustedOn: val.entrustedOn},
		HealthFlags: in.HealthFlags, Disability: in.Disability, Difficulty: in.Difficulty, Migrant: in.Migrant, Notes: in.Notes,
		LeftBehind: cl.LeftBehind, LeftBehindReason: cl.Reason, Categories: cl.Categories, CareGaps: -1}
}

// token turns an ID number into what the audit diff compares: its keyed
// hash, so that not even an unmasked field could put a number in the log.
func (s *Store) token(kind, number string) string {
	if number == "" {
		return ""
	}
	return s.vault.Hash(kind, number)
}

// tokens returns the comparison tokens of a stored row's two ID numbers.
func (s *Store) tokens(r row) (id, guardian string, err error) {
	n, err := s.vault.Open(r.idCipher)
	if err != nil {
		return "", "", errs.Wrap(err, "open id number")
	}
	id = s.token("child", n)
	if len(r.guardCipher) > 0 {
		g, err := s.vault.Open(r.guardCipher)
		if err != nil {
			return "", "", errs.Wrap(err, "open guardian id number")
		}
		guardian = s.token("guardian", g)
	}
	return id, guardian, nil
}

// hasHealth reports whether a presented child shows health detail.
func hasHealth(c Child) bool { return len(c.HealthFlags) > 0 || c.Disability != "" }

// sensitiveShown lists the sensitive fields a presented child shows: the
// full ID numbers when revealed, and "health" when health flags or a
// disability are shown.
func sensitiveShown(c Child, revealed bool) []string {
	var fields []string
	if revealed {
		fields = append(fields, "id_number")
		if c.Guardian.IDNumber != "" {
			fields = append(fields, "guardian_id_number")
		}
	}
	if hasHealth(c) {
		fields = append(fields, "health")
	}
	return fields
}

// logView records that v was shown sensitive fields of a child (id "" for
// a list), in a transaction of its own that commits before the caller may
// return the record.
func (s *Store) logView(ctx context.Context, v access.Viewer, id, note string) error {
	err := audit.Log(ctx, s.db, v, audit.Entry{Action: audit.ActionViewSensitive, RecordType: RecordType, RecordID: id, Note: note})
	return errs.Wrap(err, "audit view")
}

// listNote is the note of the one view_sensitive entry a list writes when
// it shows the health detail of n children.
func listNote(n int) string { return fmt.Sprintf("list:health:%d", n) }

// hideHealth hides health flags and disability from a record returned by
// a write that did not supply them.
func hideHealth(c *Child) {
	c.HealthFlags, c.Disability = []string{}, ""
	masked := []string{}
	for _, m := range []string{"id_number", "health", "difficulty"} {
		if m == "health" || slices.Contains(c.Masked, m) {
			masked = append(masked, m)
		}
	}
	c.Masked = masked
}

// archiveValues are the audited fields of an archive or restore.
func archiveValues(archived bool, reason string) map[string]string {
	return map[string]string{"archived": strconv.FormatBool(archived), "archive_reason": reason}
}

var archiveNames = []string{"archived", "archive_reason"}

// reclassifyNote names the date a daily re-classification ran as of.
func reclassifyNote(asOf time.Time) string {
	return "每日类别认定（" + asOf.Format(storage.DateLayout) + "）"
}

// joinFields joins field names for a note.
func joinFields(fs []string) string { return strings.Join(fs, ",") }
