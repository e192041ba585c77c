package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"testing"
	"time"

	"guanai/internal/app"
	"guanai/internal/idcard"
	"guanai/internal/testdb"
	"guanai/internal/vault"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

// newMain returns a Main on a fresh test database with the base regions.
func newMain(t *testing.T) (*Main, *bytes.Buffer) {
	t.Helper()
	db := testdb.Open(t)
	url := db.URL()
	db.Close()
	key, _ := vault.GenerateKey()
	var out bytes.Buffer
	cfg := app.Default()
	cfg.DatabaseURL, cfg.Key, cfg.Regions, cfg.Addr = url, vault.EncodeKey(key), "base", "127.0.0.1:0"
	return &Main{Config: cfg, Stdout: &out, Stderr: &out}, &out
}

// The binary's serve command, end to end: demo data, the overview page,
// the API, and a clean shutdown.
func TestServeEndToEnd(t *testing.T) {
	m, out := newMain(t)
	m.Ready = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"serve", "--demo"}) }()
	select {
	case <-m.Ready:
	case err := <-done:
		t.Fatalf("serve stopped: %v\n%s", err, out)
	case <-time.After(2 * time.Minute):
		t.Fatal("serve did not start")
	}
	base := "http://" + m.Addr
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	if code, _ := get("/api/v1/children"); code != 401 {
		t.Fatalf("children without login: %d", code)
	}
	login, _ := json.Marshal(map[string]string{"username": "cn.officer", "password": DemoPassword})
	resp, err := client.Post(base+"/api/v1/session", "application/json", bytes.NewReader(login))
	if err != nil {
		t.Fatal(err)
	}
	var me struct {
		CSRFToken string `json:"csrf_token"`
		Roles     []string
	}
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if resp.StatusCode != 200 || me.CSRFToken == "" {
		t.Fatalf("login: %d %+v", resp.StatusCode, me)
	}
	code, body := get("/")
	if code != 200 || !strings.Contains(body, "农村留守儿童") {
		t.Fatalf("home: %d", code)
	}
	code, body = get("/api/v1/children?region=530524107&category=left_behind&limit=5")
	var list struct {
		Items []map[string]any `json:"items"`
		Total int              `json:"total"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || list.Total < 100 || len(list.Items) != 5 {
		t.Fatalf("children list: %d total=%d %.200s", code, list.Total, body)
	}
	for _, c := range list.Items {
		if c["left_behind"] != true || !strings.Contains(c["id_number"].(string), "**********") {
			t.Fatalf("list item: %v", c)
		}
	}
	birth := time.Date(2016, 4, 1, 0, 0, 0, 0, time.UTC)
	child := map[string]any{"id_number": idcard.Generate("530524", birth, 499, "F"), "name": "段小芳", "sex": "F", "birth_date": "2016-04-01",
		"ethnicity": "白族", "hukou": "rural", "village_code": "530524107202", "father_status": "away", "mother_status": "incapable"}
	b, _ := json.Marshal(child)
	req, _ := http.NewRequest("POST", base+"/api/v1/children", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if r2, err := client.Do(req); err != nil || r2.StatusCode != 403 {
		t.Fatalf("create without CSRF token: %v %d", err, r2.StatusCode)
	}
	req, _ = http.NewRequest("POST", base+"/api/v1/children", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", me.CSRFToken)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created map[string]any
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != 201 || created["left_behind"] != true || created["left_behind_reason"] != "away_incapable" {
		t.Fatalf("create: %d %v", resp.StatusCode, created)
	}
	if code, _ := get("/api/v1/children/" + created["id"].(string)); code != 200 {
		t.Fatalf("get created: %d", code)
	}
	if code, _ := get("/no/such/page"); code != 404 {
		t.Fatalf("unknown page: %d", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no shutdown")
	}
	if !strings.Contains(out.String(), "guanai 已启动") || !strings.Contains(out.String(), "演示数据载入完成") {
		t.Fatalf("output:\n%s", out)
	}
}

func TestRegionsCommands(t *testing.T) {
	m, out := newMain(t)
	ctx := context.Background()
	if err := m.Run(ctx, []string{"regions", "path", "530524107202"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"530000000000\t云南省", "530500000000\t保山市", "530524000000\t昌宁县", "530524107000\t大田坝镇", "530524107202\t文沧村民委员会"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("path output lacks %q:\n%s", want, out)
		}
	}
	out.Reset()
	if err := m.Run(ctx, []string{"regions", "counts", "53"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"地级\t16", "县级\t129", "乡级\t1461", "村级\t14888"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("counts output lacks %q:\n%s", want, out)
		}
	}
	out.Reset()
	if err := m.Run(ctx, []string{"regions", "children", "530524107"}); err != nil || !strings.Contains(out.String(), "文沧村民委员会") {
		t.Fatalf("children: %v\n%s", err, out)
	}
	if err := m.Run(ctx, []string{"regions", "path", "53x"}); err == nil {
		t.Fatal("bad code accepted")
	}
	if err := m.Run(ctx, []string{"regions", "path", "530524107999"}); err == nil || !strings.Contains(err.Error(), "不存在") {
		t.Fatalf("unknown code: %v", err)
	}
}

func TestHelpVersionAndUnknown(t *testing.T) {
	m, out := newMain(t)
	ctx := context.Background()
	if err := m.Run(ctx, []string{"help"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range commands {
		if !strings.Contains(out.String(), c.usage) {
			t.Fatalf("help lacks %s", c.name)
		}
	}
	out.Reset()
	if err := m.Run(ctx, []string{"version"}); err != nil || !strings.HasPrefix(out.String(), "guanai ") {
		t.Fatalf("version: %v %q", err, out)
	}
	if err := m.Run(ctx, []string{"frobnicate"}); err == nil {
		t.Fatal("unknown command accepted")
	}
	if err := m.Run(ctx, []string{"reclassify", "--date", "2026-13-01"}); err == nil {
		t.Fatal("bad date accepted")
	}
	out.Reset()
	if err := m.Run(ctx, []string{"reclassify", "--date", "2026-06-15"}); err != nil || !strings.Contains(out.String(), "2026-06-15") {
		t.Fatalf("reclassify: %v %s", err, out)
	}
}

func TestNextRun(t *testing.T) {
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC) // 23:00 in China
	got := nextRun(now, "00:10")
	if want := time.Date(2026, 11, 29, 16, 10, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("next = %v, want %v", got, want)
	}
	got = nextRun(time.Date(2026, 11, 29, 16, 10, 0, 0, time.UTC), "00:10")
	if want := time.Date(2026, 11, 30, 16, 10, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("next at the instant = %v, want %v", got, want)
	}
}
