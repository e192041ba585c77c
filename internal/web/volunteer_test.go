package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
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
	if _, err := s.RecordService(ctx, km, volunteer.ServiceInput{VolunteerID: outVol.ID, ActivityID: outAct.ID, Hours: "3", Content: outActivityName}); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"{vol}": vo.ID, "{org}": org.ID, "{act}": a.ID, "{rec}": rec.ID,
		"{outVol}": outVol.ID, "{outOrg}": outOrg.ID, "{outAct}": outAct.ID}
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
