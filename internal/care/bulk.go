package care

import (
	"context"
	"errors"
	"strings"

	"guanai/internal/access"
	"guanai/internal/errs"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// MaxBulk bounds the children of one bulk assignment.
const MaxBulk = 5000

// BulkInput assigns one person to the same role for many children: those
// listed in ChildIDs, or every active left-behind child of the region
// node Region inside the viewer's scope.
type BulkInput struct {
	AssignInput
	ChildIDs []string `json:"child_ids"`
	Region   string   `json:"region"`
}

// BulkItem is what a bulk assignment did, or would have done, for one
// child.
type BulkItem struct {
	ChildID   string `json:"child_id"`
	ChildName string `json:"child_name"`
	// Outcome is assigned, reassigned, unchanged or refused.
	Outcome string `json:"outcome"`
	// Reason says why a child was refused, in Chinese.
	Reason string `json:"reason"`
}

// BulkResult reports a bulk assignment. Applied is false when any child
// was refused: then nothing at all was written.
type BulkResult struct {
	Applied    bool       `json:"applied"`
	Assigned   int        `json:"assigned"`
	Reassigned int        `json:"reassigned"`
	Unchanged  int        `json:"unchanged"`
	Refused    int        `json:"refused"`
	Items      []BulkItem `json:"items"`
}

var errBulkRefused = errors.New("care: bulk refused")

// BulkAssign assigns in.AssignInput to every child named, all or nothing:
// every child is checked (and written) in one transaction, and if any is
// refused — out of scope, archived, role held by someone else without
// Replace, the person not fitting the child — the transaction is rolled
// back and the result lists each child's outcome with its reason. Unknown
// or out-of-scope ids are refused as "未找到". Every assignment is audited.
func (s *Store) BulkAssign(ctx context.Context, v access.Viewer, in BulkInput) (BulkResult, error) {
	if !mayWrite(v) {
		return BulkResult{}, errWrite
	}
	res := BulkResult{Items: []BulkItem{}}
	region := strings.TrimSpace(in.Region)
	switch {
	case len(in.ChildIDs) == 0 && region == "":
		return res, errs.FieldErrors{"child_ids": "请选择儿童，或给出行政区划（该区划内所有在册留守儿童）"}.Err()
	case len(in.ChildIDs) > 0 && region != "":
		return res, errs.FieldErrors{"region": "儿童名单和行政区划只能选一种"}.Err()
	case len(in.ChildIDs) > MaxBulk:
		return res, errs.FieldErrors{"child_ids": "一次最多为5000名儿童分配"}.Err()
	}
	ids := in.ChildIDs
	if region != "" {
		var err error
		if ids, err = s.regionChildren(ctx, s.db.Reader(), v, region); err != nil {
			return res, err
		}
	}
	items := make([]ChildAssignment, len(ids))
	for i, id := range ids {
		items[i] = ChildAssignment{ChildID: id, AssignInput: in.AssignInput}
	}
	return s.assignAll(ctx, v, items)
}

// ChildAssignment is one assignment of a set made together.
type ChildAssignment struct {
	ChildID string
	AssignInput
}

// AssignEach makes a set of assignments — a person per child and role —
// all or nothing, as BulkAssign does for one person: if any is refused
// nothing is written and the result says why, child by child.
func (s *Store) AssignEach(ctx context.Context, v access.Viewer, items []ChildAssignment) (BulkResult, error) {
	if !mayWrite(v) {
		return BulkResult{}, errWrite
	}
	if len(items) > MaxBulk {
		return BulkResult{Items: []BulkItem{}}, errs.FieldErrors{"child_ids": "一次最多为5000名儿童分配"}.Err()
	}
	return s.assignAll(ctx, v, items)
}

func (s *Store) assignAll(ctx context.Context, v access.Viewer, items []ChildAssignment) (BulkResult, error) {
	res := BulkResult{Items: []BulkItem{}}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		seen := map[string]bool{}
		for _, a := range items {
			if seen[a.ChildID+":"+a.Role] {
				continue
			}
			seen[a.ChildID+":"+a.Role] = true
			it := BulkItem{ChildID: a.ChildID}
			c, err := s.child(ctx, tx, v, a.ChildID)
			if err != nil {
				if !errs.Is(err, errs.NotFound) {
					return err
				}
				it.Outcome, it.Reason = OutcomeRefused, "未找到该儿童的记录"
			} else {
				it.ChildName = c.Name
				_, outcome, err := s.assign(ctx, tx, v, c, a.AssignInput)
				if err != nil && outcome != OutcomeRefused {
					return err
				}
				it.Outcome = outcome
				if err != nil {
					it.Reason = reasonOf(err)
				}
			}
			switch it.Outcome {
			case OutcomeAssigned:
				res.Assigned++
			case OutcomeReassigned:
				res.Reassigned++
			case OutcomeUnchanged:
				res.Unchanged++
			case OutcomeRefused:
				res.Refused++
			}
			res.Items = append(res.Items, it)
		}
		if res.Refused > 0 {
			return errBulkRefused
		}
		return nil
	})
	if errors.Is(err, errBulkRefused) {
		return res, nil
	}
	if err != nil {
		return BulkResult{}, err
	}
	res.Applied = true
	return res, nil
}

// reasonOf puts a refusal in one Chinese sentence: the message, or the
// field messages joined.
func reasonOf(err error) string {
	e := errs.As(err)
	if len(e.Fields) == 0 {
		return e.Message
	}
	var parts []string
	for _, f := range []string{"role", "user_id", "name", "phone", "relation", "from"} {
		if m, ok := e.Fields[f]; ok {
			parts = append(parts, m)
		}
	}
	for f, m := range e.Fields {
		switch f {
		case "role", "user_id", "name", "phone", "relation", "from":
		default:
			parts = append(parts, m)
		}
	}
	return strings.Join(parts, "；")
}

// regionChildren lists the active left-behind children of a region node in
// v's scope, at most MaxBulk.
func (s *Store) regionChildren(ctx context.Context, q storage.Querier, v access.Viewer, region string) ([]string, error) {
	code, err := regions.Normalize(region)
	if err != nil {
		return nil, errs.FieldErrors{"region": errs.As(err).Message}.Err()
	}
	if code == regions.Root || !v.InRegion(code) {
		return nil, errs.FieldErrors{"region": "该行政区划不在您的管辖范围内"}.Err()
	}
	if _, err := s.regions.Get(ctx, code); err != nil {
		return nil, errs.FieldErrors{"region": errs.As(err).Message}.Err()
	}
	lo, hi := regions.Range(code)
	where, args := childScope(v)
	rows, err := q.QueryContext(ctx, `SELECT c.id FROM children c WHERE c.village_code >= ? AND c.village_code < ? AND c.archived_at IS NULL
		AND c.left_behind = ? AND `+where+` ORDER BY c.village_code, c.name, c.id LIMIT ?`, append(append([]any{lo, hi, true}, args...), MaxBulk+1)...)
	if err != nil {
		return nil, errs.Wrap(err, "care: region children")
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, errs.Wrap(err, "care: region children")
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "care: region children")
	}
	if len(ids) > MaxBulk {
		return nil, errs.FieldErrors{"region": "该区划的留守儿童超过5000名，请按乡镇或村分批分配"}.Err()
	}
	if len(ids) == 0 {
		return nil, errs.FieldErrors{"region": "该区划内没有在册的留守儿童"}.Err()
	}
	return ids, nil
}
