package api_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// regression fails the test when a bug found while writing the API tests
// (and since fixed) is back.
func regression(t *testing.T, present bool, where, what string) {
	t.Helper()
	if present {
		t.Fatalf("regression in %s: %s", where, what)
	}
}

// TestRegressions pins the right behaviour for bugs found while writing the
// API tests.
func TestRegressions(t *testing.T) {
	e := newEnv(t)
	cin := childInput(wencang, 1, "张小明")
	cid := id(t, e.expect(201, asSystem, "POST", "/api/v1/children", cin))
	eid := id(t, e.expect(201, asSystem, "POST", "/api/v1/elders", elderInput(wencang, 2, "赵奶奶")))
	e.expect(201, asSystem, "POST", "/api/v1/schools", map[string]any{"name": "文沧完小", "kind": "primary", "region_code": "530524107"})

	t.Run("closing bracket after the body is accepted", func(t *testing.T) {
		b, _ := json.Marshal(childInput(wencang, 3, "李小刚"))
		r := e.on(t).do(asSystem, "POST", "/api/v1/children", raw(string(b)+"]"))
		regression(t, r.Status == 201, "internal/api/api.go decode",
			"dec.More() is false before ']' or '}', so `{…}]` passes as one JSON object (and is written)")
		if r.Status != 400 {
			t.Errorf("status %d, want 400", r.Status)
		}
	})

	t.Run("type errors in PUT bodies name the embedded struct", func(t *testing.T) {
		r := e.on(t).expect(400, asSystem, "PUT", "/api/v1/children/"+cid, raw(`{"version": 1, "name": ["张"]}`))
		f := r.Err(t).Error.Fields
		regression(t, f["Input.name"] != "", "internal/api/api.go decode",
			"json.UnmarshalTypeError.Field is the Go path through the embedded Input (Input.name), not the JSON field name")
		if f["name"] == "" {
			t.Errorf("fields should name name: %s", r.Body)
		}
	})

	t.Run("a body that is not an object gets an empty field name", func(t *testing.T) {
		r := e.on(t).expect(400, asSystem, "POST", "/api/v1/children", raw(`[]`))
		er := r.Err(t).Error
		_, empty := er.Fields[""]
		regression(t, empty, "internal/api/api.go decode",
			`a top-level type mismatch has Field "": message "字段  的类型不对" and fields {"": …}`)
		if strings.Contains(er.Message, "字段  ") {
			t.Errorf("message %q", er.Message)
		}
	})

	t.Run("history shows difficulty to a viewer who may not see it", func(t *testing.T) {
		e := e.on(t)
		in := childInput(wencang, 4, "王小花")
		hid := id(t, e.expect(201, asSystem, "POST", "/api/v1/children", in))
		e.expect(200, asSystem, "PUT", "/api/v1/children/"+hid, with(in, "version", 1, "difficulty", []string{"poverty"}))
		var h struct {
			Items []struct {
				Before, After []string
				Reason        string
			}
		}
		e.expect(200, asScoped, "GET", "/api/v1/children/"+hid+"/history", nil).Decode(t, &h)
		leak := false
		for _, it := range h.Items {
			leak = leak || strings.Contains(it.Reason, "困境") || slices.Equal(it.Before, it.After)
		}
		regression(t, leak, "internal/children/store.go History",
			"difficulty is dropped from before/after but not from reason (\"类别变化：…困境儿童\"), and the entry whose only change was difficulty is still listed")
		if len(h.Items) != 1 {
			t.Errorf("want only the registration: %+v", h.Items)
		}
	})

	for _, list := range []string{"/api/v1/schools", "/api/v1/elders"} {
		t.Run(list+" total past the last page", func(t *testing.T) {
			r := e.on(t).expect(200, asSystem, "GET", list+"?offset=10", nil)
			n := total(t, r)
			regression(t, n == 0, "internal/schools/schools.go and internal/elders/elders.go List",
				"total comes from COUNT(*) OVER () on the rows of the page, so a page past the end says total 0 (children.List counts again)")
			if n != 1 {
				t.Errorf("total %d, want 1", n)
			}
		})
		t.Run(list+" name search with %", func(t *testing.T) {
			r := e.on(t).expect(200, asSystem, "GET", list+"?q=%25", nil)
			n := total(t, r)
			regression(t, n != 0, "internal/schools/schools.go and internal/elders/elders.go List",
				"q goes into LIKE unescaped, so % and _ are wildcards (children.List escapes them)")
		})
	}

	t.Run("schools limit above 500", func(t *testing.T) {
		r := e.on(t).expect(200, asSystem, "GET", "/api/v1/schools?limit=600", nil)
		lim := r.JSON(t)["limit"]
		regression(t, lim == float64(50), "internal/schools/schools.go List",
			"a limit over 500 falls back to 50, where children and elders cap it at 500")
		if lim != float64(500) {
			t.Errorf("limit %v, want 500", lim)
		}
	})

	for name, path := range map[string]string{
		"child archive": "/api/v1/children/" + cid + "/archive",
		"elder archive": "/api/v1/elders/" + eid + "/archive",
		"child restore": "/api/v1/children/" + cid + "/restore",
	} {
		t.Run(name+" without version", func(t *testing.T) {
			r := e.on(t).do(asSystem, "POST", path, map[string]any{"reason": "迁出"})
			regression(t, r.Status == 409, "internal/api/census.go archiveChild/restoreChild/archiveElder",
				"a missing version (0) is reported as 409 \"已被他人修改\"; updates check version < 1 and answer 422 on fields.version")
			if r.Status != 422 || r.Err(t).Error.Fields["version"] == "" {
				t.Errorf("status %d, want 422 on version: %s", r.Status, r.Body)
			}
		})
	}
}
