package web_test

import (
	"bytes"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/volunteer"
)

// Distinctive names of the volunteer records planted in 昆明.
const (
	outVolunteerName = "越界志愿者丁"
	outOrgName       = "越界组织戊"
	outActivityName  = "越界活动己"
)

// plantVolunteers plants, in 昌宁县, an organisation, a volunteer linked
// to the mentor's account with a service record waiting for them, and an
// activity organised by the officer with the census child; and the same
// kinds of record in 昆明. It returns their ids for the page table.
func (c *census) plantVolunteers(t *testing.T) map[string]string {
	t.Helper()
	sys := access.System()
	s := c.e.a.Volunteers
	find := func(username string) access.Viewer {
		m, err := c.e.a.Accounts.List(ctx, access.Viewer{Roles: []string{accounts.RoleSysadmin}}, accounts.Filter{Query: username})
		if err != nil || len(m.Users) != 1 {
			t.Fatalf("%s: %v", username, err)
		}
		return accounts.ViewerFor(m.Users[0], "127.0.0.1")
	}
	officer, mentor := find("cn.officer"), find("cn.mentor")
	org, err := s.CreateOrg(ctx, sys, volunteer.OrgInput{Name: "昌宁县阳光社工服务中心", CreditCode: "91350100M000100Y43", Region: changning})
	if err != nil {
		t.Fatal(err)
	}
	vo, err := s.CreateVolunteer(ctx, sys, volunteer.VolunteerInput{Name: "张志愿", Region: datianba, UserID: mentor.UserID, OrgID: org.ID, Skills: []string{"tutoring"}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateActivity(ctx, officer, volunteer.ActivityInput{Title: "防溺水安全课", Kind: volunteer.KindDrowning, Region: wencang, HeldOn: "2026-02-10",
		ChildIDs: []string{c.child.ID}})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.RecordService(ctx, officer, volunteer.ServiceInput{VolunteerID: vo.ID, ActivityID: a.ID, Hours: "2", Content: "讲防溺水知识"})
	if err != nil {
		t.Fatal(err)
	}
	// 昆明.
	kmUser, err := c.e.a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: "km.officer", Name: "昆明儿童主任", RegionCode: kunming,
		Roles: []string{accounts.RoleOfficer}, Active: true, Password: password}, false)
	if err != nil {
		t.Fatal(err)
	}
	km := accounts.ViewerFor(kmUser, "127.0.0.1")
	code := "91110000MA0000001"
	ch, _ := volunteer.CreditCheckChar(code)
	outOrg, err := s.CreateOrg(ctx, km, volunteer.OrgInput{Name: outOrgName, CreditCode: code + string(ch), Region: c.outTown})
	if err != nil {
		t.Fatal(err)
	}
	outVol, err := s.CreateVolunteer(ctx, km, volunteer.VolunteerInput{Name: outVolunteerName, Region: c.otherVillage, OrgID: outOrg.ID})
	if err != nil {
		t.Fatal(err)
	}
	outAct, err := s.CreateActivity(ctx, km, volunteer.ActivityInput{Title: outActivityName, Kind: volunteer.KindFireDrill, Region: c.otherVillage,
		HeldOn: "2026-02-11", ChildIDs: []string{c.outChild.ID}})
	if err != nil {
		t.Fatal(err)
	}
	outRec, err := s.RecordService(ctx, km, volunteer.ServiceInput{VolunteerID: outVol.ID, ActivityID: outAct.ID, Hours: "3", Content: outActivityName})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"{vol}": vo.ID, "{org}": org.ID, "{act}": a.ID, "{rec}": rec.ID,
		"{outVol}": outVol.ID, "{outOrg}": outOrg.ID, "{outAct}": outAct.ID, "{outRec}": outRec.ID}
}

// uploadPhoto posts the photo form with file.
func (cl *client) uploadPhoto(path string, file []byte) page {
	cl.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", cl.csrf)
	fw, _ := mw.CreateFormFile("photo", "photo.jpg")
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", cl.e.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return cl.do(req)
}

// The volunteer pages end to end: the officer registers an organisation
// (a bad credit code is refused beside its field) and a volunteer who is
// the mentor, records hours (24 a day at most), the mentor confirms one
// record and disputes another; the printable record shows both; an
// activity gets a child and photos (not an image, too big refused).
func TestVolunteerPages(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	m := c.as(accounts.RoleMentor)
	mentor, err := c.e.a.Accounts.List(ctx, access.Viewer{Roles: []string{accounts.RoleSysadmin}}, accounts.Filter{Query: "cn.mentor"})
	if err != nil || len(mentor.Users) != 1 {
		t.Fatal(err)
	}

	p := o.post("/orgs/new", url.Values{"name": {"昌宁县青年志愿者协会"}, "credit_code": {"91350100M000100Y44"}, "region_code": {changning}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(text(first(p.doc, "#credit_code-error")), "校验码") {
		t.Fatalf("bad credit code: %d\n%s", p.status, p.body)
	}
	p = o.post("/orgs/new", url.Values{"name": {"昌宁县青年志愿者协会"}, "credit_code": {"91350100m000100y43"}, "region_code": {changning}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("org: %d\n%s", p.status, p.body)
	}
	p = o.post("/volunteers/new", url.Values{"name": {"张志愿"}, "region_code": {datianba}, "user_id": {mentor.Users[0].ID}, "skills": {"tutoring", "arts"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("volunteer: %d\n%s", p.status, p.body)
	}
	vpath := strings.SplitN(p.location(), "?", 2)[0]
	for _, h := range []string{"20", "5"} {
		p = o.post(vpath+"/services", url.Values{"served_on": {"2026-03-01"}, "hours": {h}, "content": {"夏令营"}})
	}
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(text(first(p.doc, "#hours-error")), "24小时") {
		t.Fatalf("25 hours a day: %d\n%s", p.status, p.body)
	}
	p = o.post(vpath+"/services", url.Values{"served_on": {"2026-02-27"}, "hours": {"3"}, "content": {"课业辅导"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("record: %d\n%s", p.status, p.body)
	}

	// The mentor sees the records and answers them.
	p = m.get(vpath)
	forms := sel(p.doc, "form.answer")
	if p.status != http.StatusOK || len(forms) != 2 || first(p.doc, "#record-form") != nil {
		t.Fatalf("mentor's page: %d, %d answer forms\n%s", p.status, len(forms), p.body)
	}
	answer := func(f int, decision, reason string) page {
		action, _ := attr(sel(p.doc, "form.answer")[f], "action")
		version := inputValue(sel(p.doc, "form.answer")[f], "version")
		return m.post(action, url.Values{"version": {version}, "decision": {decision}, "reason": {reason}})
	}
	if r := answer(0, "dispute", ""); r.status != http.StatusUnprocessableEntity || first(r.doc, "#answer-error") == nil {
		t.Fatalf("dispute without reason: %d\n%s", r.status, r.body)
	}
	if r := answer(0, "confirm", ""); r.status != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", r.status, r.body)
	}
	p = m.get(vpath)
	if r := answer(0, "dispute", "只有18小时"); r.status != http.StatusSeeOther {
		t.Fatalf("dispute: %d\n%s", r.status, r.body)
	}
	formID, _ := attr(first(p.doc, "form.answer"), "id")
	if r := o.post("/services/"+strings.TrimPrefix(formID, "answer-")+"/answer", url.Values{"version": {"1"}, "decision": {"confirm"}}); r.status == http.StatusSeeOther {
		t.Error("the officer confirmed the volunteer's record")
	}
	h := o.get(vpath + "/hours")
	if h.status != http.StatusOK || len(sel(h.doc, "#hours-table tbody tr")) != 2 || !strings.Contains(h.body, "@media print") ||
		len(sel(h.doc, `tr[data-status=confirmed]`)) != 1 || len(sel(h.doc, `tr[data-status=disputed]`)) != 1 {
		t.Fatalf("printable record: %d\n%s", h.status, h.body)
	}

	// An activity with a child and photos.
	p = o.post("/activities/new", url.Values{"title": {"消防演练"}, "kind": {"fire_drill"}, "held_on": {"2026-02-20"}, "region_code": {wencang}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("activity: %d\n%s", p.status, p.body)
	}
	apath := strings.SplitN(p.location(), "?", 2)[0]
	if r := o.post(apath+"/children", url.Values{"child_id": {c.outChild.ID}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("a child of 昆明 attends: %d", r.status)
	}
	if r := o.post(apath+"/children", url.Values{"child_id": {c.child.ID}}); r.status != http.StatusSeeOther {
		t.Fatalf("attend: %d\n%s", r.status, r.body)
	}
	if r := o.uploadPhoto(apath+"/photos", []byte("not an image at all")); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "JPEG、PNG或WebP") {
		t.Errorf("not an image: %d", r.status)
	}
	big := make([]byte, volunteer.MaxPhotoBytes+100)
	copy(big, "\xff\xd8\xff\xe0")
	if r := o.uploadPhoto(apath+"/photos", big); r.status != http.StatusRequestEntityTooLarge && r.status != http.StatusUnprocessableEntity {
		t.Errorf("too big: %d", r.status)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 200)...)
	if r := o.uploadPhoto(apath+"/photos", png); r.status != http.StatusSeeOther {
		t.Fatalf("photo: %d\n%s", r.status, r.body)
	}
	a := o.get(apath)
	img := first(a.doc, "#photo-list img")
	if a.status != http.StatusOK || img == nil || len(sel(a.doc, "#attendees li")) != 1 {
		t.Fatalf("activity page: %d\n%s", a.status, a.body)
	}
	src, _ := attr(img, "src")
	if r := o.get(src); r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
		t.Errorf("photo served: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if r := m.get(src); r.status != http.StatusNotFound {
		t.Errorf("mentor reads the photo: %d", r.status)
	}
}

// TestCorrectService: the recorder corrects a disputed record from the
// volunteer's page, through a form filled in with the record; bad input
// comes back beside its field with the input kept; the corrected record
// waits for the volunteer again and the correction is audited; whoever
// may not correct it is refused.
func TestCorrectService(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	m := c.as(accounts.RoleMentor)
	l := c.as(accounts.RoleLeader)
	sw := c.as(accounts.RoleSocialWorker)
	mentor, err := c.e.a.Accounts.List(ctx, access.Viewer{Roles: []string{accounts.RoleSysadmin}}, accounts.Filter{Query: "cn.mentor"})
	if err != nil || len(mentor.Users) != 1 {
		t.Fatal(err)
	}
	vo, err := c.e.a.Volunteers.CreateVolunteer(ctx, access.System(), volunteer.VolunteerInput{Name: "张志愿", Region: datianba, UserID: mentor.Users[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	vpath := "/volunteers/" + vo.ID
	if p := o.post(vpath+"/services", url.Values{"served_on": {"2026-02-27"}, "hours": {"3"}, "content": {"课业辅导"}}); p.status != http.StatusSeeOther {
		t.Fatalf("record: %d\n%s", p.status, p.body)
	}
	recs, err := c.e.a.Volunteers.Services(ctx, access.System(), volunteer.ServiceFilter{VolunteerID: vo.ID})
	if err != nil || len(recs) != 1 {
		t.Fatalf("records: %v %v", recs, err)
	}
	rec := recs[0]
	cpath := "/services/" + rec.ID + "/correct"

	// The volunteer disputes it; they may not correct it themselves.
	p := m.get(vpath)
	if first(p.doc, "#correct-"+rec.ID) != nil {
		t.Error("the volunteer is offered to correct their record")
	}
	if r := m.post("/services/"+rec.ID+"/answer", url.Values{"version": {"1"}, "decision": {"dispute"}, "reason": {"只有2小时"}}); r.status != http.StatusSeeOther {
		t.Fatalf("dispute: %d\n%s", r.status, r.body)
	}

	// The officer's page links to the form, which holds the record.
	p = o.get(vpath)
	link := first(p.doc, "#correct-"+rec.ID)
	if href, _ := attr(link, "href"); link == nil || href != cpath {
		t.Fatalf("officer's page: no correct link\n%s", p.body)
	}
	f := o.get(cpath)
	if f.status != http.StatusOK || inputValue(f.doc, "served_on") != "2026-02-27" || inputValue(f.doc, "hours") != "3" ||
		text(first(f.doc, "textarea[name=content]")) != "课业辅导" || inputValue(f.doc, "version") != "2" ||
		!strings.Contains(byID(f.doc, "form-hint"), "只有2小时") {
		t.Fatalf("correction form: %d\n%s", f.status, f.body)
	}

	for _, tc := range []struct {
		name, field, servedOn, hours, want string
	}{
		{"no hours", "hours", "2026-02-27", "0", "大于0"},
		{"negative hours", "hours", "2026-02-27", "-1", "大于0"},
		{"not a number", "hours", "2026-02-27", "两小时", "无效"},
		{"more than a day", "hours", "2026-02-27", "25", "24小时"},
		{"a future day", "served_on", "2099-01-01", "2", "不能晚于今天"},
		{"not a date", "served_on", "2026-02-30", "2", "不是有效的日期"},
	} {
		r := o.post(cpath, url.Values{"version": {"2"}, "served_on": {tc.servedOn}, "hours": {tc.hours}, "content": {"改为讲故事"}, "region_code": {rec.Region}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(r.doc, tc.field), tc.want) {
			t.Errorf("%s: %d, %s error %q\n%s", tc.name, r.status, tc.field, fieldError(r.doc, tc.field), r.body)
			continue
		}
		if inputValue(r.doc, "served_on") != tc.servedOn || inputValue(r.doc, "hours") != tc.hours || text(first(r.doc, "textarea[name=content]")) != "改为讲故事" {
			t.Errorf("%s: the input was not kept\n%s", tc.name, r.body)
		}
	}
	if got, _ := c.e.a.Volunteers.Service(ctx, access.System(), rec.ID); got.Version != 2 || got.Status != volunteer.StatusDisputed {
		t.Fatalf("refused corrections changed the record: %+v", got)
	}
	if r := o.postRaw(cpath, url.Values{"version": {"2"}, "served_on": {"2026-02-27"}, "hours": {"2"}, "content": {"课业辅导"}}); r.status != http.StatusForbidden {
		t.Errorf("no CSRF token: %d", r.status)
	}

	// Those who may not correct it are refused; those who may not see it
	// find nothing.
	for _, tc := range []struct {
		name string
		cl   *client
		want int
	}{
		{"the volunteer", m, http.StatusForbidden},
		{"a leader", l, http.StatusForbidden},
		{"a teacher", c.as(accounts.RoleTeacher), http.StatusNotFound},
	} {
		if r := tc.cl.get(cpath); r.status != tc.want {
			t.Errorf("%s opens the form: %d, want %d", tc.name, r.status, tc.want)
		}
		r := tc.cl.post(cpath, url.Values{"version": {"2"}, "served_on": {"2026-02-27"}, "hours": {"1"}, "content": {"我改的"}})
		if r.status != tc.want {
			t.Errorf("%s corrects: %d, want %d", tc.name, r.status, tc.want)
		}
		if tc.want == http.StatusForbidden && !strings.Contains(r.body, "只有记录人或本地区的工作人员") {
			t.Errorf("%s: the refusal does not say why\n%s", tc.name, r.body)
		}
	}
	// A social worker of the county keeps its records: they see the form.
	if r := sw.get(cpath); r.status != http.StatusOK {
		t.Errorf("social worker opens the form: %d", r.status)
	}

	before := auditCount(t, c, "update")
	r := o.post(cpath, url.Values{"version": {"2"}, "served_on": {"2026-02-26"}, "hours": {"2"}, "content": {"课业辅导（更正）"}, "region_code": {rec.Region}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.location(), "n=service_corrected") {
		t.Fatalf("correct: %d\n%s", r.status, r.body)
	}
	got, err := c.e.a.Volunteers.Service(ctx, access.System(), rec.ID)
	if err != nil || got.Status != volunteer.StatusRecorded || got.Hours != "2" || got.ServedOn != "2026-02-26" || got.DisputeReason != "" || got.Version != 3 {
		t.Fatalf("corrected record: %+v %v", got, err)
	}
	if n := auditCount(t, c, "update"); n != before+1 {
		t.Errorf("correction audit entries: %d", n-before)
	}
	p = m.get(vpath)
	if row := first(p.doc, "#record-"+rec.ID); row == nil || !strings.Contains(text(row), "待确认") || first(p.doc, "#answer-"+rec.ID) == nil {
		t.Fatalf("the volunteer's page after the correction\n%s", p.body)
	}
	// Once confirmed it can no longer be corrected.
	if r := m.post("/services/"+rec.ID+"/answer", url.Values{"version": {"3"}, "decision": {"confirm"}}); r.status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", r.status)
	}
	if first(o.get(vpath).doc, "#correct-"+rec.ID) != nil {
		t.Error("a confirmed record offers a correction")
	}
	if r := o.get(cpath); r.status != http.StatusConflict {
		t.Errorf("correct a confirmed record: %d", r.status)
	}
}

// pngBytes returns a real PNG image of n×n pixels.
func pngBytes(t *testing.T, n int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// namedFile is one file of an upload.
type namedFile struct {
	name, contentType string
	data              []byte
}

// uploadPhotos posts the photo form with several files at once, as a
// browser does with <input type=file multiple>.
func (cl *client) uploadPhotos(path string, files []namedFile) page {
	cl.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", cl.csrf)
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="photo"; filename="`+f.name+`"`)
		h.Set("Content-Type", f.contentType)
		pw, _ := mw.CreatePart(h)
		pw.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", cl.e.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return cl.do(req)
}

// TestActivityPhotosAtOnce: several photos in one upload are all stored,
// or, when one is refused, none, with the file named and the reason
// beside the input.
func TestActivityPhotosAtOnce(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	p := o.post("/activities/new", url.Values{"title": {"防溺水安全课"}, "kind": {"drowning"}, "held_on": {"2026-02-20"}, "region_code": {wencang}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("activity: %d\n%s", p.status, p.body)
	}
	apath := strings.SplitN(p.location(), "?", 2)[0]
	form := o.get(apath)
	if in := first(form.doc, "#photo-form input[type=file]"); in == nil || !hasAttr(in, "multiple") {
		t.Fatalf("the photo input does not take several files\n%s", form.body)
	} else if accept, _ := attr(in, "accept"); accept != "image/*" {
		t.Errorf("accept=%q", accept)
	}
	img := func(name string, n int) namedFile { return namedFile{name, "image/png", pngBytes(t, n)} }
	photos := func() int {
		a, err := c.e.a.Volunteers.Activity(ctx, access.System(), strings.TrimPrefix(apath, "/activities/"))
		if err != nil {
			t.Fatal(err)
		}
		return len(a.Photos)
	}
	big := make([]byte, volunteer.MaxPhotoBytes+1)
	copy(big, pngBytes(t, 4))
	for _, tc := range []struct {
		name  string
		files []namedFile
		want  string // the error beside the input; "" when stored
		total int    // photos of the activity afterwards
	}{
		{"three PNGs", []namedFile{img("一.png", 8), img("二.png", 16), img("三.png", 24)}, "", 3},
		{"a text file among images", []namedFile{img("四.png", 8), {"名单.txt", "image/png", []byte("张三\n李四\n")}, img("五.png", 8)}, "文件“名单.txt”：照片格式无效", 3},
		{"a file too large among images", []namedFile{img("六.png", 8), {"大图.png", "image/png", big}}, "文件“大图.png”：照片太大", 3},
		{"too many", []namedFile{img("a.png", 4), img("b.png", 4), img("c.png", 4), img("d.png", 4), img("e.png", 4), img("f.png", 4),
			img("g.png", 4), img("h.png", 4)}, "文件“h.png”：照片太多", 3},
		{"no file", nil, "请选择", 3},
		{"seven more", []namedFile{img("a.png", 4), img("b.png", 4), img("c.png", 4), img("d.png", 4), img("e.png", 4), img("f.png", 4),
			img("g.png", 4)}, "", volunteer.MaxPhotos},
	} {
		r := o.uploadPhotos(apath+"/photos", tc.files)
		if tc.want == "" {
			if r.status != http.StatusSeeOther {
				t.Errorf("%s: %d\n%s", tc.name, r.status, r.body)
			}
		} else if r.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(r.doc, "photo"), tc.want) {
			t.Errorf("%s: %d, error %q, want %q", tc.name, r.status, fieldError(r.doc, "photo"), tc.want)
		}
		if n := photos(); n != tc.total {
			t.Errorf("%s: %d photos, want %d", tc.name, n, tc.total)
		}
	}
	a := o.get(apath)
	if n := len(sel(a.doc, "#photo-list img")); n != volunteer.MaxPhotos {
		t.Errorf("activity page shows %d photos", n)
	}
	src, _ := attr(first(a.doc, "#photo-list img"), "src")
	if r := o.get(src); r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
		t.Errorf("photo served: %d %s", r.status, r.header.Get("Content-Type"))
	}
}
