package elders_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/errs"
	"guanai/internal/idcard"
	"guanai/internal/regions"
	"guanai/internal/testdb"
	"guanai/internal/vault"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

const wencang = "530524107202" // 文沧村民委员会, 大田坝镇, 昌宁县

func newStore(t *testing.T) *elders.Store {
	t.Helper()
	db := testdb.Open(t)
	key, err := vault.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return elders.NewStore(db, v, regions.NewStore(db))
}

// elder returns a valid input for a woman born on birth.
func elder(birth string, seq int) elders.Input {
	b, _ := time.Parse("2006-01-02", birth)
	return elders.Input{
		IDNumber: idcard.Generate("530524", b, seq, "F"), Name: "杨秀英", Sex: "F", BirthDate: birth,
		VillageCode: wencang, Living: "alone", ChildrenAway: 2,
		ContactName: "李建华", ContactRelation: "儿子", ContactPhone: "13987654321",
		HealthFlags: []string{"chronic_illness"},
	}
}

func count(t *testing.T, s *elders.Store) int {
	t.Helper()
	p, err := s.List(context.Background(), access.System(), elders.Filter{Status: "all"})
	if err != nil {
		t.Fatal(err)
	}
	return p.Total
}

func TestCreateManyAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	good := elder("1950-05-01", 1)
	bad := elder("1950-05-01", 2)
	bad.Living = "nowhere"
	_, err := s.CreateMany(ctx, access.System(), []elders.Input{good, bad, elder("1951-01-09", 3)})
	if !errs.Is(err, errs.Invalid) {
		t.Fatalf("err = %v, want invalid", err)
	}
	var re children.RowErrors
	if !errors.As(err, &re) || len(re) != 1 || re[0].Index != 1 || re[0].Fields["living"] == "" || len(re[0].Fields) != 1 {
		t.Fatalf("row errors = %#v (%v)", re, err)
	}
	if n := count(t, s); n != 0 {
		t.Fatalf("%d elders written by a failed batch", n)
	}

	ids, err := s.CreateMany(ctx, access.System(), []elders.Input{good, elder("1951-01-09", 3)})
	if err != nil || len(ids) != 2 {
		t.Fatalf("good batch: %v %v", ids, err)
	}
	e, err := s.GetRevealed(ctx, access.System(), ids[1])
	if err != nil || e.BirthDate.Format("2006-01-02") != "1951-01-09" || e.IDNumber != elder("1951-01-09", 3).IDNumber {
		t.Fatalf("ids out of order or record wrong: %+v %v", e, err)
	}

	// Duplicates inside the batch and with registered elders are row errors.
	fresh := elder("1952-02-02", 4)
	_, err = s.CreateMany(ctx, access.System(), []elders.Input{fresh, good, fresh})
	re = nil
	if !errors.As(err, &re) || len(re) != 2 || re[0].Index != 1 || re[1].Index != 2 ||
		re[0].Fields["id_number"] == "" || re[1].Fields["id_number"] == "" {
		t.Fatalf("duplicate row errors = %#v (%v)", re, err)
	}
	if n := count(t, s); n != 2 {
		t.Fatalf("%d elders, want 2", n)
	}

	// A viewer who may not write is refused.
	if _, err := s.CreateMany(ctx, access.Viewer{Region: "530524000000"}, []elders.Input{fresh}); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("read-only viewer: %v", err)
	}
	// A village outside the viewer's scope is a row error.
	scoped := access.Viewer{Region: "530581000000", CanWrite: true}
	_, err = s.CreateMany(ctx, scoped, []elders.Input{fresh})
	re = nil
	if !errors.As(err, &re) || len(re) != 1 || re[0].Fields["village_code"] == "" {
		t.Fatalf("out of scope: %v", err)
	}
}
