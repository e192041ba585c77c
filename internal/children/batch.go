package children

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/errs"
	"guanai/internal/storage"
)

// RowError is what is wrong with one input of a batch: its index (0-based)
// and its field errors.
type RowError struct {
	Index  int
	Fields map[string]string
}

// RowErrors is returned by CreateMany when any input is bad; nothing was
// written.
type RowErrors []RowError

func (re RowErrors) Error() string {
	var b strings.Builder
	for i, r := range re {
		if i == 5 {
			fmt.Fprintf(&b, "…共%d行有误", len(re))
			break
		}
		keys := make([]string, 0, len(r.Fields))
		for k := range r.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "第%d条 %s：%s；", r.Index+1, k, r.Fields[k])
		}
	}
	return b.String()
}

// CreateMany registers many children in one transaction: every input is
// validated first, and if any is bad (or two share an ID number, or one is
// already registered) nothing is written and the errors come back as
// RowErrors inside an errs.Invalid error. Each child gets its own audit
// entry (action create), written in the same transaction. It returns the
// new ids in input order.
func (s *Store) CreateMany(ctx context.Context, v access.Viewer, ins []Input) ([]string, error) {
	if !v.CanWrite {
		return nil, errs.New(errs.Forbidden, "您无权登记儿童信息")
	}
	now := s.db.Now()
	vals := make([]valid, len(ins))
	fes := make([]errs.FieldErrors, len(ins))
	seen := map[string]int{}
	for i, in := range ins {
		val, err := validate(in, now)
		vals[i] = val
		fes[i] = errs.FieldErrors{}
		if err != nil {
			fes[i] = errs.As(err).Fields
		}
		if val.idNumber != "" {
			if j, dup := seen[val.idNumber]; dup {
				fes[i].Addf("id_number", "与第%d条的身份证号码重复", j+1)
			} else {
				seen[val.idNumber] = i
			}
		}
	}
	ids := make([]string, len(ins))
	for i := range ids {
		ids[i] = uuid.Must(uuid.NewV7()).String()
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		var bad RowErrors
		for i := range vals {
			if err := s.checkPlace(ctx, tx, v, &vals[i].in, fes[i]); err != nil {
				return err
			}
			if vals[i].idNumber != "" {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM children WHERE id_hash = ?`, s.vault.Hash("child", vals[i].idNumber)).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					fes[i].Add("id_number", "该身份证号码已登记")
				}
			}
			if len(fes[i]) > 0 {
				bad = append(bad, RowError{Index: i, Fields: fes[i]})
			}
		}
		if len(bad) > 0 {
			return &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("%d条记录有误，未登记任何记录", len(bad)), Err: bad}
		}
		for i := range vals {
			if err := s.insert(ctx, tx, v, ids[i], vals[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, errs.Wrap(err, "create children")
	}
	return ids, nil
}
