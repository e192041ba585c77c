package elders

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/storage"
)

// CreateMany registers many elders in one transaction: every input is
// validated first, and if any is bad (or two share an ID number, or one is
// already registered) nothing is written and the errors come back as
// children.RowErrors (0-based input index and field errors) inside an
// errs.Invalid error. Each elder gets its own audit entry (action create),
// written in the same transaction. It returns the new ids in input order.
// A viewer who may not write gets errs.Forbidden.
func (s *Store) CreateMany(ctx context.Context, v access.Viewer, ins []Input) ([]string, error) {
	if !v.CanWriteRegion() {
		return nil, errs.New(errs.Forbidden, "您无权登记老人信息")
	}
	var ids []string
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		var err error
		ids, err = s.CreateManyTx(ctx, tx, v, ins)
		return err
	})
	if err != nil {
		return nil, errs.Wrap(err, "create elders")
	}
	return ids, nil
}

// CreateManyTx is CreateMany inside a write transaction the caller owns, so
// that the batch commits, or not, together with the caller's own writes
// (the demonstration loader marks itself done in the same transaction). On
// a row error nothing has been written by it, but the caller must still
// roll back by returning the error from its transaction function.
func (s *Store) CreateManyTx(ctx context.Context, tx *storage.Tx, v access.Viewer, ins []Input) ([]string, error) {
	if !v.CanWriteRegion() {
		return nil, errs.New(errs.Forbidden, "您无权登记老人信息")
	}
	vals := make([]valid, len(ins))
	fes := make([]errs.FieldErrors, len(ins))
	seen := map[string]int{}
	for i, in := range ins {
		vals[i], fes[i] = validate(in, tx.Now)
		if id := vals[i].idNumber; id != "" {
			if j, dup := seen[id]; dup {
				fes[i].Addf("id_number", "与第%d条的身份证号码重复", j+1)
			} else {
				seen[id] = i
			}
		}
	}
	var bad children.RowErrors
	for i := range vals {
		if err := s.checkVillage(ctx, tx, v, &vals[i].in, fes[i]); err != nil {
			return nil, err
		}
		if vals[i].idNumber != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM elders WHERE id_hash = ?`, s.vault.Hash("elder", vals[i].idNumber)).Scan(&n); err != nil {
				return nil, err
			}
			if n > 0 {
				fes[i].Add("id_number", "该身份证号码已登记")
			}
		}
		if len(fes[i]) > 0 {
			bad = append(bad, children.RowError{Index: i, Fields: fes[i]})
		}
	}
	if len(bad) > 0 {
		return nil, &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("%d条记录有误，未登记任何记录", len(bad)), Err: bad}
	}
	ids := make([]string, len(vals))
	for i := range vals {
		ids[i] = uuid.Must(uuid.NewV7()).String()
		if err := s.insert(ctx, tx, v, ids[i], vals[i]); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// insert writes one validated elder and its audit entry (action create).
// It is what Create runs.
func (s *Store) insert(ctx context.Context, tx *storage.Tx, v access.Viewer, id string, val valid) error {
	sealed, err := person.Seal(s.vault, "elder", val.idNumber)
	if err != nil {
		return err
	}
	in := val.in
	_, err = tx.ExecContext(ctx, `INSERT INTO elders (id, version, id_cipher, id_hash, id_mask, id_tail, name, sex, birth_date, village_code, living,
		children_away, contact_name, contact_relation, contact_phone, health_flags, notes, created_at, updated_at)
		VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, sealed.Cipher, sealed.Hash, sealed.Mask, sealed.Tail, in.Name, in.Sex, storage.DateArg(val.birth), in.VillageCode, in.Living,
		in.ChildrenAway, in.ContactName, in.ContactRelation, in.ContactPhone, person.JoinSet(in.HealthFlags), in.Notes,
		storage.TimeArg(tx.Now), storage.TimeArg(tx.Now))
	if err != nil {
		return err
	}
	if err := recount(ctx, tx, "", false, in.VillageCode, false); err != nil {
		return err
	}
	return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionCreate, RecordType: RecordType, RecordID: id,
		Changes: audit.Diff(auditNames, auditValues(Elder{}, ""), auditValues(val.elder(), sealed.Hash), auditMasked)})
}
