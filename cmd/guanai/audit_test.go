package main

import (
	"context"
	"strings"
	"testing"

	"guanai/internal/access"
	"guanai/internal/app"
	"guanai/internal/schools"
	"guanai/internal/storage"
)

// tamper runs a statement on the audit log past its guard triggers, as an
// attacker with database access could: on SQLite by dropping the triggers,
// on PostgreSQL on one connection with triggers switched off.
func tamper(t *testing.T, a *app.App, query string) {
	t.Helper()
	ctx := context.Background()
	conn, err := a.DB.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if a.DB.Dialect() == storage.Postgres {
		if _, err := conn.ExecContext(ctx, `SET session_replication_role = replica`); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(ctx, `SET session_replication_role = DEFAULT`)
	} else {
		for _, tr := range []string{"audit_log_no_update", "audit_log_no_early_delete"} {
			if _, err := conn.ExecContext(ctx, `DROP TRIGGER IF EXISTS `+tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	if res, err := conn.ExecContext(ctx, query); err != nil {
		t.Fatalf("%s: %v", query, err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s: %d rows", query, n)
	}
}

func TestAuditVerifyCommand(t *testing.T) {
	m, out := newMain(t)
	ctx := context.Background()
	a, err := m.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := a.Schools.Create(ctx, access.System(), schools.Input{Name: "文沧小学", Kind: "primary", RegionCode: "530524107202"})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []int{1, 2, 3, 4} {
		if _, err := a.Schools.AddClass(ctx, access.System(), sc.ID, g, "1班"); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()

	out.Reset()
	if err := m.Run(ctx, []string{"audit", "verify"}); err != nil || !strings.Contains(out.String(), "审计日志完整：共 5 条") {
		t.Fatalf("clean log: %v\n%s", err, out)
	}

	a, err = m.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tamper(t, a, `UPDATE audit_log SET record_id = 'someone-else' WHERE seq = 2`)
	a.Close()
	out.Reset()
	err = m.Run(ctx, []string{"audit", "verify"})
	if err == nil || !strings.Contains(err.Error(), "审计日志校验失败：1 处问题") || !strings.Contains(out.String(), "第2条的内容与哈希不符（被修改）") {
		t.Fatalf("changed row: %v\n%s", err, out)
	}

	a, err = m.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tamper(t, a, `DELETE FROM audit_log WHERE seq = 4`)
	a.Close()
	out.Reset()
	err = m.Run(ctx, []string{"audit", "verify"})
	if err == nil || !strings.Contains(out.String(), "第2条的内容与哈希不符（被修改）") || !strings.Contains(out.String(), "第5条之前缺少1条记录（被删除）") {
		t.Fatalf("deleted row: %v\n%s", err, out)
	}

	// Nothing is old enough to purge.
	out.Reset()
	if err := m.Run(ctx, []string{"audit", "purge"}); err != nil || !strings.Contains(out.String(), "已清理 0 条") {
		t.Fatalf("purge: %v\n%s", err, out)
	}
	if err := m.Run(ctx, []string{"audit", "frobnicate"}); err == nil {
		t.Fatal("unknown audit subcommand accepted")
	}
}
