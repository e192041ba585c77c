package elders

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/storage"
	"guanai/internal/tally"
)

// This file is the registry's side of a census import of elders (package
// census reads the files): the form's rules and messages applied to many
// inputs at a time, and the bulk write. Outcomes are children's.

// ReasonImport is the note of the audit entries an import writes.
const ReasonImport = "普查导入"

// Prepared is one input of an import, checked by every rule of the form
// that needs no database, with its ID number sealed.
type Prepared struct {
	in     Input
	val    valid
	fe     errs.FieldErrors
	sealed person.SealedID

	outcome  children.Outcome
	existing *Elder
	cipher   []byte
}

// Prepare checks in by every rule of the form that needs no database (the
// same rules and messages as Create) and seals its ID number. It is safe
// for concurrent use.
func (s *Store) Prepare(in Input, now time.Time) *Prepared {
	p := &Prepared{in: in}
	p.val, p.fe = validate(in, now)
	s.seal(p)
	return p
}

func (s *Store) seal(p *Prepared) {
	p.sealed = person.SealedID{}
	if p.val.idNumber != "" {
		var err error
		if p.sealed, err = person.Seal(s.vault, "elder", p.val.idNumber); err != nil {
			p.fe.Add("id_number", "身份证号码无法加密保存")
		}
	}
}

// IDNumber returns the normalised ID number, or "" when it is not valid.
func (p *Prepared) IDNumber() string { return p.val.idNumber }

// Errors returns the field errors found so far; empty when valid.
func (p *Prepared) Errors() errs.FieldErrors { return p.fe }

// Outcome returns what the import does with the input.
func (p *Prepared) Outcome() children.Outcome { return p.outcome }

// ImportBatch checks and writes the inputs of one import of elders for one
// viewer. It is not safe for concurrent use.
type ImportBatch struct {
	s        *Store
	v        access.Viewer
	now      time.Time
	villages map[string]bool

	bulk                        *storage.Bulk
	pending                     []audit.Entry
	created, updated, unchanged int
	// counts is the batch's counter changes (package tally), applied by
	// Finish.
	counts *tally.Delta
}

// NewImportBatch starts an import of elders for v as of now. A viewer who
// may not register elders gets errs.Forbidden.
func (s *Store) NewImportBatch(v access.Viewer, now time.Time) (*ImportBatch, error) {
	if !v.CanWriteRegion() {
		return nil, errs.New(errs.Forbidden, "您无权登记老人信息")
	}
	return &ImportBatch{s: s, v: v, now: now, villages: map[string]bool{}, counts: tally.NewDelta()}, nil
}

// Check runs the checks that need the database on a chunk of prepared
// inputs through q: the village as the form checks it, and the match with
// an elder registered with the same ID number (outside the viewer's scope:
// an error naming the county; archived: an error unless nothing changes).
// Absent names the input fields the file does not carry, which a
// registered elder keeps. It decides the Outcome of every valid input.
func (b *ImportBatch) Check(ctx context.Context, q storage.Querier, ps []*Prepared, absent []string) error {
	// Read the chunk's new villages in a few queries, not one per village.
	var codes []string
	for _, p := range ps {
		if c := p.val.in.VillageCode; len(c) == 12 {
			if _, ok := b.villages[c]; !ok {
				codes = append(codes, c)
			}
		}
	}
	if len(codes) > 0 {
		if _, err := b.s.regions.Names(ctx, codes); err != nil {
			return errs.Wrap(err, "check village")
		}
	}
	for _, p := range ps {
		if err := b.s.checkVillageCached(ctx, q, b.v, &p.val.in, p.fe, b.villages); err != nil {
			return errs.Wrap(err, "check village")
		}
	}
	byHash := map[string]*Prepared{}
	var hashes []any
	for _, p := range ps {
		if len(p.fe) == 0 && p.sealed.Hash != "" {
			byHash[p.sealed.Hash] = p
			hashes = append(hashes, p.sealed.Hash)
			p.outcome = children.OutcomeNew
		}
	}
	for len(hashes) > 0 {
		chunk := hashes[:min(len(hashes), 1000)]
		hashes = hashes[len(chunk):]
		rows, err := q.QueryContext(ctx, `SELECT `+columns+`, e.id_hash FROM elders e WHERE e.id_hash IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, chunk...)
		if err != nil {
			return errs.Wrap(err, "match elders")
		}
		type hit struct {
			e      Elder
			cipher []byte
			hash   string
		}
		var hits []hit
		for rows.Next() {
			var h hit
			h.e, h.cipher, err = scan(scanPlus{rows, &h.hash})
			if err != nil {
				rows.Close()
				return errs.Wrap(err, "match elders")
			}
			hits = append(hits, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(storage.MapErr(err), "match elders")
		}
		for _, h := range hits {
			if err := b.match(ctx, q, byHash[h.hash], h.e, h.cipher, absent); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *ImportBatch) match(ctx context.Context, q storage.Querier, p *Prepared, cur Elder, cipher []byte, absent []string) error {
	if p == nil {
		return nil
	}
	p.outcome = children.OutcomeNone
	if !b.v.InRegion(cur.VillageCode) {
		where, _ := b.s.regions.PathString(ctx, cur.VillageCode[:6]+"000000")
		p.fe.Add("id_number", "该身份证号码已在"+where+"登记")
		return nil
	}
	if len(absent) > 0 {
		reg := InputOf(cur)
		in := p.in
		for _, f := range absent {
			switch f {
			case "name":
				in.Name = reg.Name
			case "sex":
				in.Sex = reg.Sex
			case "birth_date":
				in.BirthDate = reg.BirthDate
			case "village_code":
				in.VillageCode = reg.VillageCode
			case "living":
				in.Living = reg.Living
			case "children_away":
				in.ChildrenAway = reg.ChildrenAway
			case "contact_name":
				in.ContactName = reg.ContactName
			case "contact_relation":
				in.ContactRelation = reg.ContactRelation
			case "contact_phone":
				in.ContactPhone = reg.ContactPhone
			case "health_flags":
				in.HealthFlags = reg.HealthFlags
			case "notes":
				in.Notes = reg.Notes
			}
		}
		p.in = in
		p.val, p.fe = validate(in, b.now)
		b.s.seal(p)
		if err := b.s.checkVillageCached(ctx, q, b.v, &p.val.in, p.fe, b.villages); err != nil {
			return errs.Wrap(err, "check village")
		}
		if len(p.fe) > 0 {
			return nil
		}
	}
	c := cur
	p.existing, p.cipher = &c, cipher
	names := auditNames[1:] // every fact but the ID number, which matched
	diff := audit.Diff(names, auditValues(cur, ""), auditValues(p.val.elder(), ""), nil)
	switch {
	case len(diff) == 0:
		p.outcome = children.OutcomeUnchanged
	case cur.Archived:
		p.fe.Add("id_number", "该老人的记录已归档，不能通过导入修改，请先恢复")
	default:
		p.outcome = children.OutcomeUpdate
	}
	return nil
}

// InputOf returns the input that registers e as it is (the ID number as e
// shows it).
func InputOf(e Elder) Input {
	birth := ""
	if !e.BirthDate.IsZero() {
		birth = e.BirthDate.Format(storage.DateLayout)
	}
	return Input{IDNumber: e.IDNumber, Name: e.Name, Sex: e.Sex, BirthDate: birth, VillageCode: e.VillageCode, Living: e.Living,
		ChildrenAway: e.ChildrenAway, ContactName: e.ContactName, ContactRelation: e.ContactRelation, ContactPhone: e.ContactPhone,
		HealthFlags: append([]string{}, e.HealthFlags...), Notes: e.Notes}
}

var bulkColumns = []storage.BulkColumn{
	storage.Col("id", storage.KindText), storage.Col("version", storage.KindInt), storage.Col("id_cipher", storage.KindBytes),
	storage.Col("id_hash", storage.KindText), storage.Col("id_mask", storage.KindText), storage.Col("id_tail", storage.KindText),
	storage.Col("name", storage.KindText), storage.Col("sex", storage.KindText), storage.Col("birth_date", storage.KindDate),
	storage.Col("village_code", storage.KindText), storage.Col("living", storage.KindText), storage.Col("children_away", storage.KindInt),
	storage.Col("contact_name", storage.KindText), storage.Col("contact_relation", storage.KindText), storage.Col("contact_phone", storage.KindText),
	storage.Col("health_flags", storage.KindText), storage.Col("notes", storage.KindText),
	storage.Col("created_at", storage.KindTime), storage.Col("updated_at", storage.KindTime),
}

// Write writes a checked chunk in tx: new elders through the bulk path,
// changed ones updated with an audit entry each (action update, the fields
// changed, the ID number and health flags masked, note ReasonImport).
// Finish must follow the last Write.
func (b *ImportBatch) Write(ctx context.Context, tx *storage.Tx, ps []*Prepared) error {
	if b.bulk == nil {
		b.bulk = tx.Bulk("elders", bulkColumns)
	}
	for _, p := range ps {
		switch p.outcome {
		case children.OutcomeNew:
			in := p.val.in
			err := b.bulk.Add(ctx, uuid.Must(uuid.NewV7()).String(), 1, p.sealed.Cipher, p.sealed.Hash, p.sealed.Mask, p.sealed.Tail,
				in.Name, in.Sex, p.val.birth, in.VillageCode, in.Living, in.ChildrenAway, in.ContactName, in.ContactRelation, in.ContactPhone,
				person.JoinSet(in.HealthFlags), in.Notes, tx.Now, tx.Now)
			if err != nil {
				return errs.Wrap(err, "import elders")
			}
			countChange(b.counts, "", false, in.VillageCode, false)
			b.created++
		case children.OutcomeUpdate:
			cur := p.existing
			res, err := updateRow(ctx, tx, cur.ID, cur.Version, p.val, p.sealed)
			if err != nil {
				return errs.Wrap(err, "import elders")
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errs.New(errs.Conflict, "导入期间有记录被他人修改，请重新导入")
			}
			countChange(b.counts, cur.VillageCode, cur.Archived, p.val.in.VillageCode, cur.Archived)
			old, err := b.s.vault.Open(p.cipher)
			if err != nil {
				return errs.Wrap(err, "open id number")
			}
			b.pending = append(b.pending, audit.Entry{Action: audit.ActionUpdate, RecordType: RecordType, RecordID: cur.ID, Note: ReasonImport,
				Changes: audit.Diff(auditNames, auditValues(*cur, b.s.token(old)), auditValues(p.val.elder(), p.sealed.Hash), auditMasked)})
			b.updated++
		case children.OutcomeUnchanged:
			b.unchanged++
		}
	}
	return nil
}

// Counts returns how many elders the batch has registered, updated and
// left unchanged so far.
func (b *ImportBatch) Counts() (created, updated, unchanged int) {
	return b.created, b.updated, b.unchanged
}

// Finish sends what is queued and writes the audit entries: the updates'
// and one for all the elders registered (action create, record id "", the
// note naming the file as what and the count). It must run in the Write
// transaction, before it commits.
func (b *ImportBatch) Finish(ctx context.Context, tx *storage.Tx, what string) error {
	if b.bulk != nil {
		if err := b.bulk.Close(ctx); err != nil {
			return errs.Wrap(err, "import elders")
		}
	}
	if err := tally.Apply(ctx, tx, b.counts); err != nil {
		return errs.Wrap(err, "import elders")
	}
	b.counts = tally.NewDelta()
	for _, e := range b.pending {
		if err := audit.Record(ctx, tx, b.v, e); err != nil {
			return errs.Wrap(err, "import elders: audit")
		}
	}
	b.pending = nil
	if b.created > 0 {
		err := audit.Record(ctx, tx, b.v, audit.Entry{Action: audit.ActionCreate, RecordType: RecordType,
			Note: fmt.Sprintf("%s：%s，新登记%d名老人", ReasonImport, what, b.created)})
		if err != nil {
			return errs.Wrap(err, "import elders: audit")
		}
	}
	return nil
}

// Export streams every elder matching f in the viewer's scope to fn,
// ordered by village and name, and audits the export first (action export,
// record id "", the note naming the count and the sensitive fields shown:
// "id_number" when reveal is set and the viewer may see ID numbers,
// "health" when the viewer may see health flags). fn's error ends the
// export and is returned.
func (s *Store) Export(ctx context.Context, v access.Viewer, f Filter, reveal bool, fn func(Elder) error) (int, error) {
	where, args, err := f.where(v)
	if err != nil {
		return 0, err
	}
	q := s.db.Reader()
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM elders e WHERE `+where, args...).Scan(&n); err != nil {
		return 0, errs.Wrap(err, "export elders")
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
		note += ":" + strings.Join(shown, ",")
	}
	if err := audit.Log(ctx, s.db, v, audit.Entry{Action: audit.ActionExport, RecordType: RecordType, Note: note}); err != nil {
		return 0, errs.Wrap(err, "audit export")
	}
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM elders e WHERE `+where+` ORDER BY e.village_code, e.name, e.id`, args...)
	if err != nil {
		return 0, errs.Wrap(err, "export elders")
	}
	defer rows.Close()
	done := 0
	for rows.Next() {
		e, c, err := scan(rows)
		if err != nil {
			return done, errs.Wrap(err, "export elders")
		}
		if e, err = s.present(v, e, c, reveal); err != nil {
			return done, err
		}
		if err := fn(e); err != nil {
			return done, err
		}
		done++
	}
	return done, errs.Wrap(storage.MapErr(rows.Err()), "export elders")
}

// SetError records msg as the error of field, replacing the form's own
// message there.
func (p *Prepared) SetError(field, msg string) {
	p.fe[field] = msg
	p.outcome = children.OutcomeNone
}
