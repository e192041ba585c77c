package volunteer_test

import (
	"testing"

	"guanai/internal/apptest"
	"guanai/internal/errs"
	"guanai/internal/volunteer"
)

func apptestCheck(t *testing.T, f *fixture) { t.Helper(); apptest.CheckTallies(t, f.a) }

func TestActivityAttendance(t *testing.T) {
	f := newFixture(t)
	a1, b1, out := f.child(villageA1), f.child(villageB1), f.child(otherVill)
	in := volunteer.ActivityInput{Title: "防溺水安全课", Kind: volunteer.KindDrowning, Region: villageA1, Address: "村委会", HeldOn: "2026-11-25",
		ChildIDs: []string{a1.ID, b1.ID, out.ID}}
	_, err := f.s.CreateActivity(f.ctx, f.officer, in)
	wantField(t, "child out of scope", err, "child_ids", "1名未找到")
	in.ChildIDs = []string{a1.ID, b1.ID, a1.ID}
	_, err = f.s.CreateActivity(f.ctx, f.townOfficerA, in)
	wantField(t, "town A picks a town B child", err, "child_ids", "1名")
	in.Kind = "party"
	_, err = f.s.CreateActivity(f.ctx, f.officer, in)
	wantField(t, "bad kind", err, "kind", "活动类型")
	in.Kind = volunteer.KindDrowning
	_, err = f.s.CreateActivity(f.ctx, f.leader, in)
	wantCode(t, "leader organises", err, errs.Forbidden)
	a, err := f.s.CreateActivity(f.ctx, f.officer, in)
	if err != nil {
		t.Fatalf("create: %v %v", err, errs.As(err).Fields)
	}
	if a.ChildCount != 2 || len(a.Children) != 2 || a.OrganiserID != f.officer.UserID {
		t.Fatalf("activity: %+v", a)
	}
	// The town A officer sees the activity (it is in town A) but only town A's child.
	seen, err := f.s.Activity(f.ctx, f.townOfficerA, a.ID)
	if err != nil || seen.ChildCount != 2 || len(seen.Children) != 1 || seen.Children[0].ID != a1.ID {
		t.Fatalf("town A view: %+v %v", seen, err)
	}
	if _, err := f.s.Activity(f.ctx, f.kunming, a.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("kunming reads the activity: %v", err)
	}
	// The town A officer edits: the town B child they cannot see stays.
	in.ChildIDs = nil
	in.Title = "防溺水安全教育课"
	up, err := f.s.UpdateActivity(f.ctx, f.townOfficerA, a.ID, a.Version, in)
	if err != nil || up.ChildCount != 1 || up.Title != in.Title {
		t.Fatalf("update: %+v %v", up, err)
	}
	// Volunteers' hours for the activity: its day and place by default.
	r := f.record(f.officer, volunteer.ServiceInput{VolunteerID: f.linked.ID, ActivityID: a.ID, Hours: "3", Content: "讲课"})
	if r.ServedOn != "2026-11-25" || r.Region != villageA1 || r.ActivityTitle != in.Title {
		t.Errorf("activity hours: %+v", r)
	}
	_, err = f.s.RecordService(f.ctx, f.officer, volunteer.ServiceInput{VolunteerID: f.plain.ID, ActivityID: a.ID, Hours: "3", Content: "讲课", ServedOn: "2026-11-24"})
	wantField(t, "hours on another day", err, "served_on", "活动日期")
	list, _ := f.s.Services(f.ctx, f.officer, volunteer.ServiceFilter{ActivityID: a.ID})
	if len(list) != 1 {
		t.Errorf("activity's volunteers: %d", len(list))
	}
	acts, _ := f.s.Activities(f.ctx, f.officer, volunteer.ActivityFilter{Kind: volunteer.KindDrowning})
	if len(acts) != 1 {
		t.Errorf("activities: %d", len(acts))
	}
	if n := f.auditCount(volunteer.RecordActivity); n != 2 {
		t.Errorf("activity audit entries: %d", n)
	}
	apptestCheck(t, f)
}

func TestActivityPhotos(t *testing.T) {
	f := newFixture(t)
	a, err := f.s.CreateActivity(f.ctx, f.officer, volunteer.ActivityInput{Title: "消防演练", Kind: volunteer.KindFireDrill, Region: townB, HeldOn: "2026-11-20"})
	if err != nil {
		t.Fatal(err)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
	webp := append([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), make([]byte, 100)...)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "不能为空"},
		{"text", []byte("hello, this is not an image at all"), "格式无效"},
		{"gif", []byte("GIF89a........"), "格式无效"},
		{"too big", jpeg(volunteer.MaxPhotoBytes + 1), "太大"},
	} {
		_, err := f.s.AddPhoto(f.ctx, f.officer, a.ID, tc.data)
		wantField(t, tc.name, err, "photo", tc.want)
	}
	_, err = f.s.AddPhoto(f.ctx, f.leader, a.ID, png)
	wantCode(t, "leader uploads", err, errs.Forbidden)
	_, err = f.s.AddPhoto(f.ctx, f.townOfficerA, a.ID, png)
	wantCode(t, "town A uploads to town B", err, errs.NotFound)
	var first volunteer.Photo
	for i := 0; i < volunteer.MaxPhotos; i++ {
		data := jpeg(volunteer.MaxPhotoBytes)
		if i == 1 {
			data = png
		}
		if i == 2 {
			data = webp
		}
		p, err := f.s.AddPhoto(f.ctx, f.officer, a.ID, data)
		if err != nil {
			t.Fatalf("photo %d: %v", i, err)
		}
		if i == 1 {
			first = p
		}
	}
	_, err = f.s.AddPhoto(f.ctx, f.officer, a.ID, png)
	wantField(t, "eleventh", err, "photo", "最多10张")
	ct, data, err := f.s.PhotoData(f.ctx, f.leader, a.ID, first.ID)
	if err != nil || ct != "image/png" || len(data) != len(png) {
		t.Errorf("photo data: %s %d %v", ct, len(data), err)
	}
	if _, _, err := f.s.PhotoData(f.ctx, f.kunming, a.ID, first.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("kunming reads a photo: %v", err)
	}
	if err := f.s.DeletePhoto(f.ctx, f.officer, a.ID, first.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := f.s.Activity(f.ctx, f.officer, a.ID)
	if len(got.Photos) != volunteer.MaxPhotos-1 {
		t.Errorf("photos after delete: %d", len(got.Photos))
	}
	if n := f.auditCount(volunteer.RecordPhoto); n != volunteer.MaxPhotos+1 {
		t.Errorf("photo audit entries: %d", n)
	}

	// Several at once: all or none, the refusal naming the file.
	for _, tc := range []struct {
		name  string
		files []volunteer.PhotoFile
		want  string
	}{
		{"not an image among images", []volunteer.PhotoFile{{"a.png", png}, {"说明.txt", []byte("text")}, {"c.png", png}}, "文件“说明.txt”：照片格式无效"},
		{"too large among images", []volunteer.PhotoFile{{"a.png", png}, {"big.jpg", jpeg(volunteer.MaxPhotoBytes + 1)}}, "文件“big.jpg”：照片太大"},
		{"one too many", []volunteer.PhotoFile{{"a.png", png}, {"b.png", png}}, "文件“b.png”：照片太多"},
		{"none", nil, "请选择"},
	} {
		_, err := f.s.AddPhotos(f.ctx, f.officer, a.ID, tc.files)
		wantField(t, tc.name, err, "photo", tc.want)
	}
	got, _ = f.s.Activity(f.ctx, f.officer, a.ID)
	if len(got.Photos) != volunteer.MaxPhotos-1 {
		t.Errorf("photos after refused uploads: %d", len(got.Photos))
	}
	ps, err := f.s.AddPhotos(f.ctx, f.officer, a.ID, []volunteer.PhotoFile{{"last.webp", webp}})
	if err != nil || len(ps) != 1 || ps[0].ContentType != "image/webp" {
		t.Fatalf("the tenth photo: %v %v", ps, err)
	}
}
