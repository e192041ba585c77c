package api_test

import (
	"bytes"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"guanai/internal/accounts"
)

// The checker reads the image parts of a multipart upload as files.
func init() {
	for _, ct := range []string{"image/png", "image/jpeg", "image/webp", "text/plain"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
}

// photoPart is one file of a multipart upload.
type photoPart struct {
	field, name, contentType string
	data                     []byte
}

// sendPhotos posts files as the parts of a multipart/form-data body and
// checks the status.
func sendPhotos(t *testing.T, e *env, want int, as, path string, parts []photoPart) resp {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+p.field+`"; filename="`+p.name+`"`)
		h.Set("Content-Type", p.contentType)
		w, _ := mw.CreatePart(h)
		w.Write(p.data)
	}
	mw.Close()
	return sendPhoto(t, e, want, as, path, body.Bytes(), mw.FormDataContentType())
}

// realPNG returns a real PNG image of n×n pixels.
func realPNG(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, n, n))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Viewers of the volunteer routes: real users, since service records and
// activities name their recorder and organiser.
const (
	asVolOfficer = "vol-officer" // an officer of 昌宁县
	asVolSelf    = "vol-self"    // a mentor who is also a registered volunteer
)

// sendPhoto posts image bytes as the raw body and checks the status.
func sendPhoto(t *testing.T, e *env, want int, as, path string, data []byte, ct string) resp {
	t.Helper()
	r := e.send("POST", path, raw(data), http.Header{"X-Test-Viewer": {as}, "Content-Type": {ct}})
	if r.Status != want {
		t.Fatalf("POST %s: status %d, want %d\n%s", path, r.Status, want, r.Body)
	}
	return r
}

// driveVolunteerRoutes is the part of TestResponsesMatchSchema for
// volunteers, social organisations, service records and activities.
func driveVolunteerRoutes(t *testing.T, e *env) {
	const S, O, V = asSystem, asVolOfficer, asVolSelf
	officer := careUser(t, e, "vol.officer", changning, "", "officer")
	self := careUser(t, e, "vol.self", changning, "", "mentor")
	viewers[O] = accounts.ViewerFor(officer, "127.0.0.1")
	viewers[V] = accounts.ViewerFor(self, "127.0.0.1")

	// Social organisations.
	org := map[string]any{"name": "昌宁县阳光社工服务中心", "credit_code": "91350100M000100Y43", "region_code": "530524", "contact_name": "李四", "contact_phone": "13900001111"}
	orgID := id(t, e.expect(201, O, "POST", "/api/v1/social-orgs", org))
	e.expect(409, O, "POST", "/api/v1/social-orgs", org)
	f := e.expect(422, O, "POST", "/api/v1/social-orgs", with(org, "credit_code", "91350100M000100Y44")).Err(t).Error.Fields
	mustContain(t, "bad credit code", f["credit_code"], "校验码")
	e.expect(400, O, "POST", "/api/v1/social-orgs", with(org, "website", "x"))
	e.expect(200, O, "GET", "/api/v1/social-orgs?q=阳光", nil)
	e.expect(422, O, "GET", "/api/v1/social-orgs?all=maybe", nil)
	e.expect(200, O, "GET", "/api/v1/social-orgs/"+orgID, nil)
	e.expect(404, O, "GET", "/api/v1/social-orgs/"+unknownID, nil)
	e.expect(200, O, "PUT", "/api/v1/social-orgs/"+orgID, with(org, "version", 1, "contact_name", "王五"))
	e.expect(409, O, "PUT", "/api/v1/social-orgs/"+orgID, with(org, "version", 1))
	e.expect(422, O, "PUT", "/api/v1/social-orgs/"+orgID, with(org, "version", 2, "region_code", "530102"))
	e.expect(400, O, "PUT", "/api/v1/social-orgs/"+orgID, raw(`{"version": "2"}`))
	e.expect(404, O, "PUT", "/api/v1/social-orgs/"+unknownID, with(org, "version", 1))

	// Volunteers.
	vol := map[string]any{"name": "张志愿", "phone": "13700000001", "region_code": datianba, "user_id": self.ID, "org_id": orgID, "skills": []string{"tutoring"}}
	volID := id(t, e.expect(201, O, "POST", "/api/v1/volunteers", vol))
	e.expect(409, O, "POST", "/api/v1/volunteers", with(vol, "name", "重复"))
	e.expect(422, O, "POST", "/api/v1/volunteers", with(vol, "user_id", "", "skills", []string{"flying"}))
	e.expect(400, O, "POST", "/api/v1/volunteers", with(vol, "age", 30))
	e.expect(200, O, "GET", "/api/v1/volunteers?skill=tutoring&region=530524", nil)
	e.expect(422, O, "GET", "/api/v1/volunteers?all=maybe", nil)
	e.expect(200, V, "GET", "/api/v1/volunteers/"+volID, nil) // the volunteer themselves
	e.expect(404, O, "GET", "/api/v1/volunteers/"+unknownID, nil)
	e.expect(200, O, "PUT", "/api/v1/volunteers/"+volID, with(vol, "version", 1, "phone", "13700000009"))
	e.expect(409, O, "PUT", "/api/v1/volunteers/"+volID, with(vol, "version", 1))
	e.expect(422, O, "PUT", "/api/v1/volunteers/"+volID, with(vol, "version", 2, "name", ""))
	e.expect(400, O, "PUT", "/api/v1/volunteers/"+volID, raw(`{"version": 2, "name": 1}`))
	e.expect(404, O, "PUT", "/api/v1/volunteers/"+unknownID, with(vol, "version", 1))

	// Activities.
	kid := id(t, e.expect(201, S, "POST", "/api/v1/children", childInput(wencang, 81, "周活动")))
	far := id(t, e.expect(201, S, "POST", "/api/v1/children", childInput(otherCountyVillage(t, e.app), 82, "郑远方")))
	act := map[string]any{"title": "暑期防溺水安全课", "kind": "drowning", "region_code": wencang, "address": "村委会", "held_on": "2026-07-10", "child_ids": []string{kid}}
	r := e.expect(201, O, "POST", "/api/v1/activities", act)
	actID := id(t, r)
	if m := r.JSON(t); m["child_count"] != float64(1) {
		t.Errorf("activity: %s", r.Body)
	}
	f = e.expect(422, O, "POST", "/api/v1/activities", with(act, "child_ids", []string{kid, far})).Err(t).Error.Fields
	mustContain(t, "a child out of scope", f["child_ids"], "不在您的管辖范围内")
	e.expect(400, O, "POST", "/api/v1/activities", with(act, "photos", 3))
	e.expect(200, O, "GET", "/api/v1/activities?kind=drowning&from=2026-07-01&to=2026-07-31", nil)
	e.expect(200, O, "GET", "/api/v1/activities/"+actID, nil)
	e.expect(404, O, "GET", "/api/v1/activities/"+unknownID, nil)
	e.expect(200, O, "PUT", "/api/v1/activities/"+actID, with(act, "version", 1, "address", "文沧村委会"))
	e.expect(409, O, "PUT", "/api/v1/activities/"+actID, with(act, "version", 1))
	e.expect(422, O, "PUT", "/api/v1/activities/"+actID, with(act, "version", 2, "kind", "party"))
	e.expect(400, O, "PUT", "/api/v1/activities/"+actID, raw(`[]`))
	e.expect(404, O, "PUT", "/api/v1/activities/"+unknownID, with(act, "version", 1))

	// Photos: the file itself as the body, checked by content.
	photos := "/api/v1/activities/" + actID + "/photos"
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	p := sendPhoto(t, e, 201, O, photos, png, "application/octet-stream")
	photoID := id(t, p)
	f = sendPhoto(t, e, 422, O, photos, []byte("just some text, not an image"), "application/octet-stream").Err(t).Error.Fields
	mustContain(t, "not an image", f["photo"], "JPEG、PNG或WebP")
	sendPhoto(t, e, 400, O, photos, []byte(`{"photo": "x"}`), "application/json")
	sendPhoto(t, e, 404, O, "/api/v1/activities/"+unknownID+"/photos", png, "application/octet-stream")
	r = e.expect(200, O, "GET", photos+"/"+photoID, nil)
	if r.Header.Get("Content-Type") != "image/png" || len(r.Body) != len(png) {
		t.Errorf("photo: %s, %d bytes", r.Header.Get("Content-Type"), len(r.Body))
	}
	e.expect(404, O, "GET", photos+"/"+unknownID, nil)
	e.expect(204, O, "DELETE", photos+"/"+photoID, nil)
	e.expect(404, O, "DELETE", photos+"/"+photoID, nil)

	// Several photos at once as multipart parts: all or none.
	good := func(name string) photoPart { return photoPart{"photo", name, "image/png", realPNG(t, 8)} }
	var many struct {
		Items []struct {
			ID          string `json:"id"`
			ContentType string `json:"content_type"`
		}
	}
	sendPhotos(t, e, 201, O, photos, []photoPart{good("一.png"), good("二.png"), good("三.png")}).Decode(t, &many)
	if len(many.Items) != 3 || many.Items[0].ContentType != "image/png" {
		t.Errorf("three photos: %+v", many)
	}
	f = sendPhotos(t, e, 422, O, photos, []photoPart{good("四.png"), {"photo", "名单.txt", "text/plain", []byte("张三")}}).Err(t).Error.Fields
	mustContain(t, "a text file among photos", f["photo"], "文件“名单.txt”：照片格式无效")
	sendPhotos(t, e, 400, O, photos, []photoPart{good("五.png"), {"note", "", "text/plain", []byte("x")}})
	if a := e.expect(200, O, "GET", "/api/v1/activities/"+actID, nil).JSON(t); len(a["photos"].([]any)) != 3 {
		t.Errorf("photos after a refused upload: %v", a["photos"])
	}

	// Service records: recorded by the organiser, answered by the volunteer.
	rec := map[string]any{"volunteer_id": volID, "hours": "2.5", "content": "讲防溺水知识", "activity_id": actID}
	r = e.expect(201, O, "POST", "/api/v1/service-records", rec)
	recID := id(t, r)
	if m := r.JSON(t); m["served_on"] != "2026-07-10" || m["minutes"] != float64(150) || m["status"] != "recorded" {
		t.Errorf("record: %s", r.Body)
	}
	f = e.expect(422, O, "POST", "/api/v1/service-records", with(rec, "hours", "22")).Err(t).Error.Fields
	mustContain(t, "over 24 hours a day", f["hours"], "24小时")
	e.expect(403, V, "POST", "/api/v1/service-records", with(rec, "hours", "1"))
	e.expect(400, O, "POST", "/api/v1/service-records", with(rec, "minutes", 60))
	e.expect(200, V, "GET", "/api/v1/service-records?volunteer_id="+volID, nil)
	r = e.expect(200, O, "GET", "/api/v1/service-records/export?volunteer_id="+volID, nil)
	if !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("export headers: %v", r.Header)
	}
	e.expect(200, V, "GET", "/api/v1/service-records/"+recID, nil)
	e.expect(404, O, "GET", "/api/v1/service-records/"+unknownID, nil)
	upd := with(rec, "version", 1, "hours", "3")
	r = e.expect(200, O, "PUT", "/api/v1/service-records/"+recID, upd)
	e.expect(409, O, "PUT", "/api/v1/service-records/"+recID, upd)
	e.expect(422, O, "PUT", "/api/v1/service-records/"+recID, with(upd, "version", 2, "hours", "0"))
	e.expect(400, O, "PUT", "/api/v1/service-records/"+recID, with(upd, "version", 2, "status", "confirmed"))
	e.expect(404, O, "PUT", "/api/v1/service-records/"+unknownID, upd)
	answer := "/api/v1/service-records/" + recID + "/answer"
	f = e.expect(422, V, "POST", answer, map[string]any{"version": 2, "confirm": false}).Err(t).Error.Fields
	mustContain(t, "dispute without reason", f["reason"], "异议理由")
	e.expect(400, V, "POST", answer, map[string]any{"version": 2, "ok": true})
	e.expect(404, V, "POST", "/api/v1/service-records/"+unknownID+"/answer", map[string]any{"version": 1, "confirm": true})
	e.expect(403, O, "POST", answer, map[string]any{"version": 2, "confirm": true})
	r = e.expect(200, V, "POST", answer, map[string]any{"version": 2, "confirm": true})
	if m := r.JSON(t); m["status"] != "confirmed" {
		t.Errorf("confirmed: %s", r.Body)
	}
	e.expect(409, V, "POST", answer, map[string]any{"version": 3, "confirm": false, "reason": "不对"})
}
