package children

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/storage"
	"guanai/internal/tally"
)

// This file is the registry's side of a census import (package census
// reads the files): the same rules and messages as the registration form,
// applied to many inputs at a time, and the bulk write.

// Outcome is what an import does with one valid input.
type Outcome int

// The outcomes of an import row.
const (
	// OutcomeNone: not decided yet, or the input is invalid.
	OutcomeNone Outcome = iota
	// OutcomeNew: no child has the ID number; the row registers one.
	OutcomeNew
	// OutcomeUpdate: a child in the viewer's scope has the ID number and
	// the row changes some of their facts.
	OutcomeUpdate
	// OutcomeUnchanged: a child has the ID number and the row changes
	// nothing.
	OutcomeUnchanged
)

// Reasons of the category history entries an import writes (source
// "import"): ReasonImportNew + the registration reason for a new child,
// ReasonImportUpdate + what changed for a changed one.
const (
	ReasonImportNew    = "普查登记"
	ReasonImportUpdate = "普查更新"
)

// SourceImport is the history source of every entry an import writes.
const SourceImport = "import"

// Prepared is one input of an import, checked by every rule of the
// registration form that needs no database, with its ID numbers sealed.
// ImportBatch.Check adds the checks that need the database and decides
// its Outcome.
type Prepared struct {
	in     Input
	val    valid
	fe     errs.FieldErrors
	sealed person.SealedID
	guard  person.SealedID

	outcome  Outcome
	existing *row
}

// Prepare checks in by every rule of the registration form that needs no
// database (the same rules and messages as Create) and seals its ID
// numbers. It is safe for concurrent use.
func (s *Store) Prepare(in Input, now time.Time) *Prepared {
	p := &Prepared{in: in, fe: errs.FieldErrors{}}
	val, err := validate(in, now)
	p.val = val
	if err != nil {
		p.fe = errs.As(err).Fields
	}
	s.seal(p)
	return p
}

// seal seals the prepared input's ID numbers; a failure is reported as an
// error of the field.
func (s *Store) seal(p *Prepared) {
	p.sealed, p.guard = person.SealedID{}, person.SealedID{}
	var err error
	if p.val.idNumber != "" {
		if p.sealed, err = person.Seal(s.vault, "child", p.val.idNumber); err != nil {
			p.fe.Add("id_number", "身份证号码无法加密保存")
		}
	}
	if p.val.guardianID != "" {
		if p.guard, err = person.Seal(s.vault, "guardian", p.val.guardianID); err != nil {
			p.fe.Add("guardian_id_number", "监护人身份证号码无法加密保存")
		}
	}
}

// IDNumber returns the normalised ID number, or "" when it is not valid.
func (p *Prepared) IDNumber() string { return p.val.idNumber }

// Errors returns the field errors found so far (field → message); it is
// empty when the input is valid.
func (p *Prepared) Errors() errs.FieldErrors { return p.fe }

// Outcome returns what the import does with the input; OutcomeNone while
// it is invalid or not yet checked.
func (p *Prepared) Outcome() Outcome { return p.outcome }

// Changes lists, for an OutcomeUpdate input, the fields it changes (the
// form's field names, e.g. "mother_status").
func (p *Prepared) Changes() []string {
	if p.outcome != OutcomeUpdate || p.existing == nil {
		return nil
	}
	var out []string
	for _, c := range factChanges(p.existing.c, p.val) {
		out = append(out, c.Field)
	}
	return out
}

// ImportBatch checks and writes the inputs of one import for one viewer:
// the database checks of the registration form (village, school
// placement) through caches, the match with children already registered
// (by the keyed hash of the ID number), and the write. It is not safe for
// concurrent use.
type ImportBatch struct {
	s     *Store
	v     access.Viewer
	now   time.Time
	today time.Time
	cache placeCache

	children, history *storage.Bulk
	counts            *tally.Delta
	pending           []audit.Entry
	created, updated  int
	unchanged         int
	// moved are the children updated whose schedule facts changed (see
	// scheduleFactsChanged), for the store's hook at Finish.
	moved []string
}

// NewImportBatch starts an import for v, as of now (the classification
// date is now's calendar day in China). A viewer who may not register
// children gets errs.Forbidden.
func (s *Store) NewImportBatch(v access.Viewer, now time.Time) (*ImportBatch, error) {
	if !v.CanWrite || v.Nobody {
		return nil, errs.New(errs.Forbidden, "您无权登记儿童信息")
	}
	return &ImportBatch{s: s, v: v, now: now, today: person.Today(now), counts: tally.NewDelta(),
		cache: placeCache{villages: map[string]bool{}, placements: map[string]errs.FieldErrors{}}}, nil
}

// matchChunk bounds the IN list of one match query.
const matchChunk = 1000

// Check runs the checks that need the database on a chunk of prepared
// inputs, reading through q (the import's transaction, or a reader for a
// dry run): the village and school placement as the form checks them, and
// the match with a child already registered with the same ID number. A
// match outside the viewer's scope is an error naming the county where the
// child is registered (as the form says it); a match with an archived
// child is an error unless the row changes nothing. Absent names the input
// fields the file does not carry: a child already registered keeps their
// registered values of those fields. Check decides the Outcome of every
// input left valid. Duplicates inside the chunk are the caller's to find.
func (b *ImportBatch) Check(ctx context.Context, q storage.Querier, ps []*Prepared, absent []string) error {
	// Read the chunk's new villages in a few queries, not one per village.
	var codes []string
	for _, p := range ps {
		if c := p.val.in.VillageCode; len(c) == 12 {
			if _, ok := b.cache.villages[c]; !ok {
				codes = append(codes, c)
			}
		}
	}
	if len(codes) > 0 {
		if _, err := b.s.regions.Names(ctx, codes); err != nil {
			return errs.Wrap(err, "check place")
		}
	}
	for _, p := range ps {
		if err := b.s.checkPlaceCached(ctx, q, b.v, &p.val.in, p.fe, &b.cache); err != nil {
			return errs.Wrap(err, "check place")
		}
	}
	byHash := map[string]*Prepared{}
	var hashes []any
	for _, p := range ps {
		if len(p.fe) == 0 && p.sealed.Hash != "" {
			byHash[p.sealed.Hash] = p
			hashes = append(hashes, p.sealed.Hash)
			p.outcome = OutcomeNew
		}
	}
	for len(hashes) > 0 {
		chunk := hashes[:min(len(hashes), matchChunk)]
		hashes = hashes[len(chunk):]
		rows, err := q.QueryContext(ctx, `SELECT `+columns+`, c.id_hash FROM children c WHERE c.id_hash IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, chunk...)
		if err != nil {
			return errs.Wrap(err, "match children")
		}
		var found []row
		var foundHash []string
		for rows.Next() {
			var h string
			r, err := scanRow(scanPlus{rows, &h})
			if err != nil {
				rows.Close()
				return errs.Wrap(err, "match children")
			}
			found, foundHash = append(found, r), append(foundHash, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(storage.MapErr(err), "match children")
		}
		for i := range found {
			if err := b.match(ctx, q, byHash[foundHash[i]], found[i], absent); err != nil {
				return err
			}
		}
	}
	return nil
}

type scanPlus struct {
	rows  *sql.Rows
	extra any
}

func (s scanPlus) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.extra)...) }

// inScope reports whether a stored child lies in v's scope, by the same
// rule as access.Viewer.Where.
func inScope(v access.Viewer, c Child) bool {
	return v.InRegion(c.VillageCode) && (v.SchoolID == "" || c.SchoolID == v.SchoolID) && (v.ClassID == "" || c.ClassID == v.ClassID)
}

// match decides the outcome of p, whose ID number is registered as cur.
func (b *ImportBatch) match(ctx context.Context, q storage.Querier, p *Prepared, cur row, absent []string) error {
	if p == nil {
		return nil
	}
	p.outcome = OutcomeNone
	if !inScope(b.v, cur.c) {
		where, _ := b.s.regions.PathString(ctx, visiblePlace(b.v, cur.c.VillageCode))
		p.fe.Add("id_number", "该身份证号码已在"+where+"登记")
		return nil
	}
	if len(absent) > 0 {
		// The file leaves these fields out: keep what is registered.
		merged, err := b.s.mergeInput(p.in, cur, absent)
		if err != nil {
			return err
		}
		val, verr := validate(merged, b.now)
		p.in, p.val, p.fe = merged, val, errs.FieldErrors{}
		if verr != nil {
			p.fe = errs.As(verr).Fields
		}
		b.s.seal(p)
		if err := b.s.checkPlaceCached(ctx, q, b.v, &p.val.in, p.fe, &b.cache); err != nil {
			return errs.Wrap(err, "check place")
		}
		if len(p.fe) > 0 {
			return nil
		}
	}
	oldGuard := ""
	if len(cur.guardCipher) > 0 {
		g, err := b.s.vault.Open(cur.guardCipher)
		if err != nil {
			return errs.Wrap(err, "open guardian id number")
		}
		oldGuard = g
	}
	c := cur
	p.existing = &c
	diff := factChanges(cur.c, p.val)
	if oldGuard != p.val.guardianID {
		diff = append(diff, audit.Change{Field: "guardian_id_number"})
	}
	switch {
	case len(diff) == 0:
		p.outcome = OutcomeUnchanged
	case cur.c.Archived:
		p.fe.Add("id_number", "该儿童的记录已归档，不能通过导入修改，请先恢复")
	default:
		p.outcome = OutcomeUpdate
	}
	return nil
}

// factChanges lists the facts (not the derived classification, nor the ID
// numbers) a valid input changes in a stored child.
func factChanges(c Child, val valid) []audit.Change {
	names := make([]string, 0, len(auditNames))
	for _, n := range auditNames {
		switch n {
		case "id_number", "guardian_id_number", "left_behind", "left_behind_reason", "categories":
			continue
		}
		names = append(names, n)
	}
	return audit.Diff(names, auditValues(c, "", ""), auditValues(val.child(Classification{}), "", ""), nil)
}

// mergeInput returns in with the fields named in absent taken from the
// stored child cur.
func (s *Store) mergeInput(in Input, cur row, absent []string) (Input, error) {
	c := cur.c
	guardID := ""
	if len(cur.guardCipher) > 0 {
		g, err := s.vault.Open(cur.guardCipher)
		if err != nil {
			return in, errs.Wrap(err, "open guardian id number")
		}
		guardID = g
	}
	reg := InputOf(c)
	reg.GuardianIDNumber = guardID
	for _, f := range absent {
		switch f {
		case "name":
			in.Name = reg.Name
		case "sex":
			in.Sex = reg.Sex
		case "birth_date":
			in.BirthDate = reg.BirthDate
		case "ethnicity":
			in.Ethnicity = reg.Ethnicity
		case "hukou":
			in.Hukou = reg.Hukou
		case "village_code":
			in.VillageCode = reg.VillageCode
		case "school_id":
			in.SchoolID = reg.SchoolID
		case "grade":
			in.Grade = reg.Grade
		case "class_id":
			in.ClassID = reg.ClassID
		case "father_status":
			in.FatherStatus = reg.FatherStatus
		case "father_away_place":
			in.FatherAwayPlace = reg.FatherAwayPlace
		case "father_phone":
			in.FatherPhone = reg.FatherPhone
		case "mother_status":
			in.MotherStatus = reg.MotherStatus
		case "mother_away_place":
			in.MotherAwayPlace = reg.MotherAwayPlace
		case "mother_phone":
			in.MotherPhone = reg.MotherPhone
		case "guardian_name":
			in.GuardianName = reg.GuardianName
		case "guardian_relation":
			in.GuardianRelation = reg.GuardianRelation
		case "guardian_phone":
			in.GuardianPhone = reg.GuardianPhone
		case "guardian_id_number":
			in.GuardianIDNumber = reg.GuardianIDNumber
		case "guardian_entrusted":
			in.GuardianEntrusted = reg.GuardianEntrusted
		case "guardian_entrusted_on":
			in.GuardianEntrustedOn = reg.GuardianEntrustedOn
		case "health_flags":
			in.HealthFlags = reg.HealthFlags
		case "disability":
			in.Disability = reg.Disability
		case "difficulty":
			in.Difficulty = reg.Difficulty
		case "migrant":
			in.Migrant = reg.Migrant
		case "notes":
			in.Notes = reg.Notes
		}
	}
	return in, nil
}

// InputOf returns the input that registers c as it is (ID numbers as c
// shows them: full only when revealed).
func InputOf(c Child) Input {
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(storage.DateLayout)
	}
	return Input{IDNumber: c.IDNumber, Name: c.Name, Sex: c.Sex, BirthDate: date(c.BirthDate), Ethnicity: c.Ethnicity, Hukou: c.Hukou,
		VillageCode: c.VillageCode, SchoolID: c.SchoolID, Grade: c.Grade, ClassID: c.ClassID,
		FatherStatus: c.FatherStatus, FatherAwayPlace: c.FatherAwayPlace, FatherPhone: c.FatherPhone,
		MotherStatus: c.MotherStatus, MotherAwayPlace: c.MotherAwayPlace, MotherPhone: c.MotherPhone,
		GuardianName: c.Guardian.Name, GuardianRelation: c.Guardian.Relation, GuardianPhone: c.Guardian.Phone,
		GuardianIDNumber: c.Guardian.IDNumber, GuardianEntrusted: c.Guardian.Entrusted, GuardianEntrustedOn: date(c.Guardian.EntrustedOn),
		HealthFlags: append([]string{}, c.HealthFlags...), Disability: c.Disability, Difficulty: append([]string{}, c.Difficulty...),
		Migrant: c.Migrant, Notes: c.Notes}
}

// bulkColumns are the columns a new child is loaded with.
var bulkColumns = []storage.BulkColumn{
	storage.Col("id", storage.KindText), storage.Col("version", storage.KindInt), storage.Col("id_cipher", storage.KindBytes), storage.Col("id_hash", storage.KindText),
	storage.Col("id_mask", storage.KindText), storage.Col("id_tail", storage.KindText), storage.Col("name", storage.KindText), storage.Col("sex", storage.KindText),
	storage.Col("birth_date", storage.KindDate), storage.Col("ethnicity", storage.KindText), storage.Col("hukou", storage.KindText), storage.Col("village_code", storage.KindText),
	storage.Col("school_id", storage.KindText), storage.Col("grade", storage.KindInt), storage.Col("class_id", storage.KindText),
	storage.Col("father_status", storage.KindText), storage.Col("father_away_place", storage.KindText), storage.Col("father_phone", storage.KindText),
	storage.Col("mother_status", storage.KindText), storage.Col("mother_away_place", storage.KindText), storage.Col("mother_phone", storage.KindText),
	storage.Col("guardian_name", storage.KindText), storage.Col("guardian_relation", storage.KindText), storage.Col("guardian_phone", storage.KindText),
	storage.Col("guardian_id_cipher", storage.KindBytes), storage.Col("guardian_id_mask", storage.KindText), storage.Col("guardian_entrusted", storage.KindBool),
	storage.Col("entrusted_on", storage.KindDate), storage.Col("health_flags", storage.KindText), storage.Col("disability", storage.KindText),
	storage.Col("difficulty", storage.KindText), storage.Col("migrant", storage.KindBool), storage.Col("notes", storage.KindText),
	storage.Col("left_behind", storage.KindBool), storage.Col("left_behind_reason", storage.KindText), storage.Col("categories", storage.KindText),
	storage.Col("classified_on", storage.KindDate), storage.Col("created_at", storage.KindTime), storage.Col("updated_at", storage.KindTime),
}

var historyColumns = []storage.BulkColumn{
	storage.Col("id", storage.KindText), storage.Col("child_id", storage.KindText), storage.Col("effective_on", storage.KindDate), storage.Col("recorded_at", storage.KindTime),
	storage.Col("source", storage.KindText), storage.Col("before_categories", storage.KindText), storage.Col("after_categories", storage.KindText), storage.Col("reason", storage.KindText),
}

// pendingAudit bounds the update audit entries an import holds before it
// writes them: they are written last, so that the audit log (one writer at
// a time) is not held for the whole import.
const pendingAudit = 5000

// Write writes a checked chunk in tx: children new to the registry through
// the bulk path with their first history entry (source "import", reason
// ReasonImportNew…); changed children updated, their classification
// re-derived, with a history entry (source "import", reason
// ReasonImportUpdate…) and an audit entry each (action update, the fields
// changed, sensitive values masked, note ReasonImportUpdate). Unchanged and
// invalid inputs are left alone. Finish must follow the last Write.
func (b *ImportBatch) Write(ctx context.Context, tx *storage.Tx, ps []*Prepared) error {
	if b.children == nil {
		b.children, b.history = tx.Bulk("children", bulkColumns), tx.Bulk("child_category_history", historyColumns)
		b.history.After(b.children)
	}
	for _, p := range ps {
		var err error
		switch p.outcome {
		case OutcomeNew:
			err = b.insert(ctx, tx, p)
		case OutcomeUpdate:
			err = b.update(ctx, tx, p)
		case OutcomeUnchanged:
			b.unchanged++
		}
		if err != nil {
			return errs.Wrap(err, "import children")
		}
	}
	return nil
}

func (b *ImportBatch) insert(ctx context.Context, tx *storage.Tx, p *Prepared) error {
	id := uuid.Must(uuid.NewV7()).String()
	in := p.val.in
	cl := Classify(p.val.facts(), b.today)
	var school, class, grade any
	if in.SchoolID != "" {
		school, grade = in.SchoolID, in.Grade
	} else if in.Grade != 0 {
		grade = in.Grade
	}
	if in.ClassID != "" {
		class = in.ClassID
	}
	var guardCipher any
	if len(p.guard.Cipher) > 0 {
		guardCipher = p.guard.Cipher
	}
	err := b.children.Add(ctx, id, 1, p.sealed.Cipher, p.sealed.Hash, p.sealed.Mask, p.sealed.Tail, in.Name, in.Sex, p.val.birth,
		in.Ethnicity, in.Hukou, in.VillageCode, school, grade, class,
		string(in.FatherStatus), in.FatherAwayPlace, in.FatherPhone, string(in.MotherStatus), in.MotherAwayPlace, in.MotherPhone,
		in.GuardianName, in.GuardianRelation, in.GuardianPhone, guardCipher, p.guard.Mask, in.GuardianEntrusted, p.val.entrustedOn,
		person.JoinSet(in.HealthFlags), in.Disability, person.JoinSet(in.Difficulty), in.Migrant, in.Notes,
		cl.LeftBehind, cl.Reason, person.JoinSet(cl.Categories), b.today, tx.Now, tx.Now)
	if err != nil {
		return err
	}
	reason := ReasonImportNew
	if cl.LeftBehind {
		reason += "：" + ReasonLabel(cl.Reason)
	}
	if err := b.history.Add(ctx, uuid.Must(uuid.NewV7()).String(), id, b.today, tx.Now, SourceImport, "", person.JoinSet(cl.Categories), reason); err != nil {
		return err
	}
	after := p.val.child(cl)
	countChange(b.counts, nil, &after)
	b.created++
	return nil
}

func (b *ImportBatch) update(ctx context.Context, tx *storage.Tx, p *Prepared) error {
	cur := p.existing
	oldCl := Classification{LeftBehind: cur.c.LeftBehind, Reason: cur.c.LeftBehindReason, Categories: cur.c.Categories}
	cl := Classify(p.val.facts(), b.today)
	res, err := updateRow(ctx, tx, cur.c.ID, cur.c.Version, p.val, p.sealed, p.guard, cl, b.today)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.New(errs.Conflict, "导入期间有记录被他人修改，请重新导入")
	}
	reason := ReasonImportUpdate
	if changed(oldCl, cl) {
		reason += "：" + ChangeReason(oldCl, cl, false)
	}
	if err := addHistory(ctx, tx, cur.c.ID, b.today, SourceImport, oldCl, cl, reason); err != nil {
		return err
	}
	after := p.val.child(cl)
	countChange(b.counts, &cur.c, &after)
	if scheduleFactsChanged(cur.c, after) {
		b.moved = append(b.moved, cur.c.ID)
	}
	oldID, oldGuard, err := b.s.tokens(*cur)
	if err != nil {
		return err
	}
	b.pending = append(b.pending, audit.Entry{Action: audit.ActionUpdate, RecordType: RecordType, RecordID: cur.c.ID, Note: ReasonImportUpdate,
		Changes: audit.Diff(auditNames, auditValues(cur.c, oldID, oldGuard),
			auditValues(p.val.child(cl), p.sealed.Hash, b.s.token("guardian", p.val.guardianID)), auditMasked)})
	b.updated++
	if len(b.pending) >= pendingAudit {
		return b.flushAudit(ctx, tx)
	}
	return nil
}

func (b *ImportBatch) flushAudit(ctx context.Context, tx *storage.Tx) error {
	for _, e := range b.pending {
		if err := audit.Record(ctx, tx, b.v, e); err != nil {
			return err
		}
	}
	b.pending = b.pending[:0]
	return nil
}

// Counts returns how many children the batch has registered, updated and
// left unchanged so far.
func (b *ImportBatch) Counts() (created, updated, unchanged int) {
	return b.created, b.updated, b.unchanged
}

// Finish sends what is queued and writes the audit entries: the updates'
// and, when the import registered children, one entry for all of them
// (action create, record id "", note naming the file as what, and the
// count). It must run in the Write transaction, before it commits.
func (b *ImportBatch) Finish(ctx context.Context, tx *storage.Tx, what string) error {
	if b.children != nil {
		if err := b.children.Close(ctx); err != nil {
			return errs.Wrap(err, "import children")
		}
		if err := b.history.Close(ctx); err != nil {
			return errs.Wrap(err, "import children")
		}
	}
	if err := tally.Apply(ctx, tx, b.counts); err != nil {
		return errs.Wrap(err, "import children")
	}
	b.counts = tally.NewDelta()
	if err := b.flushAudit(ctx, tx); err != nil {
		return errs.Wrap(err, "import children: audit")
	}
	// Children registered here have no care team yet, so owe no visit;
	// those updated may have moved. After their audit entries: see
	// OnScheduleChange.
	if err := b.s.scheduleChanged(ctx, tx, b.moved...); err != nil {
		return errs.Wrap(err, "import children")
	}
	b.moved = nil
	if b.created > 0 {
		err := audit.Record(ctx, tx, b.v, audit.Entry{Action: audit.ActionCreate, RecordType: RecordType,
			Note: fmt.Sprintf("%s：%s，新登记%d名儿童", ReasonImportNew, what, b.created)})
		if err != nil {
			return errs.Wrap(err, "import children: audit")
		}
	}
	return nil
}

// Export streams every child matching f in the viewer's scope to fn,
// ordered by village and name, and audits the export first (action
// export, record id "", the note naming the count and the sensitive
// fields shown: "id_number" when reveal is set and the viewer may see ID
// numbers, "health" when the viewer may see health detail). ID numbers are
// masked unless revealed so. fn's error ends the export and is returned.
func (s *Store) Export(ctx context.Context, v access.Viewer, f Filter, reveal bool, fn func(Child) error) (int, error) {
	where, args, err := f.where(v)
	if err != nil {
		return 0, err
	}
	q := s.db.Reader()
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM children c WHERE `+where, args...).Scan(&n); err != nil {
		return 0, errs.Wrap(err, "export children")
	}
	var shown []string
	if reveal && v.May.IDNumber {
		shown = append(shown, "id_number")
	}
	if v.May.Health {
		shown = append(shown, "health")
	}
	note := fmt.Sprintf("export:%d", n)
	if len(shown) > 0 {
		note += ":" + joinFields(shown)
	}
	if err := audit.Log(ctx, s.db, v, audit.Entry{Action: audit.ActionExport, RecordType: RecordType, Note: note}); err != nil {
		return 0, errs.Wrap(err, "audit export")
	}
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM children c WHERE `+where+` ORDER BY c.village_code, c.name, c.id`, args...)
	if err != nil {
		return 0, errs.Wrap(err, "export children")
	}
	defer rows.Close()
	done := 0
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return done, errs.Wrap(err, "export children")
		}
		c, err := s.present(v, r, reveal)
		if err != nil {
			return done, err
		}
		if err := fn(c); err != nil {
			return done, err
		}
		done++
	}
	return done, errs.Wrap(storage.MapErr(rows.Err()), "export children")
}

// SetError records msg as the error of field, replacing the form's own
// message there: the importer knows more about some values (an ID number
// Excel turned into a number, a duplicate inside the file).
func (p *Prepared) SetError(field, msg string) {
	p.fe[field] = msg
	p.outcome = OutcomeNone
}
