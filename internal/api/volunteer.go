package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/census"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/volunteer"
)

// --- volunteers and social organisations

type volunteerBody struct {
	Version int `json:"version"`
	volunteer.VolunteerInput
}

type orgBody struct {
	Version int `json:"version"`
	volunteer.OrgInput
}

type hoursBody struct {
	Version int `json:"version"`
	volunteer.ServiceInput
}

type answerBody struct {
	Version int `json:"version"`
	volunteer.AnswerInput
}

type activityBody struct {
	Version int `json:"version"`
	volunteer.ActivityInput
}

func (b volunteerBody) ver() int { return b.Version }
func (b orgBody) ver() int       { return b.Version }
func (b hoursBody) ver() int     { return b.Version }
func (b answerBody) ver() int    { return b.Version }
func (b activityBody) ver() int  { return b.Version }

// volCreate decodes an input, calls do and answers 201 with the result.
func volCreate[I any, T any](api *API, w http.ResponseWriter, r *http.Request, do func(ctx context.Context, v access.Viewer, in I) (T, error)) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	var in I
	if err := decode(r, &in); err != nil {
		return err
	}
	out, err := do(r.Context(), v, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// volRead answers 200 with what do returns for the path's id.
func volRead[T any](api *API, w http.ResponseWriter, r *http.Request, do func(ctx context.Context, v access.Viewer, id string) (T, error)) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	out, err := do(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// volItems answers 200 with {"items": list}.
func volItems[T any](api *API, w http.ResponseWriter, r *http.Request, do func(ctx context.Context, v access.Viewer) ([]T, error)) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	list, err := do(r.Context(), v)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
	return nil
}

func (api *API) listVolunteers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	fe := errs.FieldErrors{}
	f := volunteer.VolunteerFilter{Region: q.Get("region"), OrgID: q.Get("org_id"), Skill: q.Get("skill"), Q: q.Get("q"), All: boolParam(r, "all", fe)}
	if err := fe.Err(); err != nil {
		return err
	}
	return volItems(api, w, r, func(ctx context.Context, v access.Viewer) ([]volunteer.Volunteer, error) {
		return api.app.Volunteers.Volunteers(ctx, v, f)
	})
}

func (api *API) createVolunteer(w http.ResponseWriter, r *http.Request) error {
	return volCreate(api, w, r, api.app.Volunteers.CreateVolunteer)
}

func (api *API) getVolunteer(w http.ResponseWriter, r *http.Request) error {
	return volRead(api, w, r, api.app.Volunteers.Volunteer)
}

func (api *API) updateVolunteer(w http.ResponseWriter, r *http.Request) error {
	return writeVersioned(api, w, r, func(ctx context.Context, v access.Viewer, id string, b volunteerBody) (volunteer.Volunteer, error) {
		return api.app.Volunteers.UpdateVolunteer(ctx, v, id, b.Version, b.VolunteerInput)
	})
}

func (api *API) listOrgs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	fe := errs.FieldErrors{}
	f := volunteer.OrgFilter{Region: q.Get("region"), Q: q.Get("q"), All: boolParam(r, "all", fe)}
	if err := fe.Err(); err != nil {
		return err
	}
	return volItems(api, w, r, func(ctx context.Context, v access.Viewer) ([]volunteer.Org, error) {
		return api.app.Volunteers.Orgs(ctx, v, f)
	})
}

func (api *API) createOrg(w http.ResponseWriter, r *http.Request) error {
	return volCreate(api, w, r, api.app.Volunteers.CreateOrg)
}

func (api *API) getOrg(w http.ResponseWriter, r *http.Request) error {
	return volRead(api, w, r, api.app.Volunteers.Org)
}

func (api *API) updateOrg(w http.ResponseWriter, r *http.Request) error {
	return writeVersioned(api, w, r, func(ctx context.Context, v access.Viewer, id string, b orgBody) (volunteer.Org, error) {
		return api.app.Volunteers.UpdateOrg(ctx, v, id, b.Version, b.OrgInput)
	})
}

// --- service records

func hoursFilter(r *http.Request) volunteer.ServiceFilter {
	q := r.URL.Query()
	return volunteer.ServiceFilter{VolunteerID: q.Get("volunteer_id"), ActivityID: q.Get("activity_id"), Region: q.Get("region"),
		Status: q.Get("status"), From: q.Get("from"), To: q.Get("to")}
}

func (api *API) listServiceRecords(w http.ResponseWriter, r *http.Request) error {
	f := hoursFilter(r)
	return volItems(api, w, r, func(ctx context.Context, v access.Viewer) ([]volunteer.ServiceRecord, error) {
		return api.app.Volunteers.Services(ctx, v, f)
	})
}

func (api *API) createServiceRecord(w http.ResponseWriter, r *http.Request) error {
	return volCreate(api, w, r, api.app.Volunteers.RecordService)
}

func (api *API) getServiceRecord(w http.ResponseWriter, r *http.Request) error {
	return volRead(api, w, r, api.app.Volunteers.Service)
}

func (api *API) correctServiceRecord(w http.ResponseWriter, r *http.Request) error {
	return writeVersioned(api, w, r, func(ctx context.Context, v access.Viewer, id string, b hoursBody) (volunteer.ServiceRecord, error) {
		return api.app.Volunteers.CorrectService(ctx, v, id, b.Version, b.ServiceInput)
	})
}

func (api *API) answerServiceRecord(w http.ResponseWriter, r *http.Request) error {
	return writeVersioned(api, w, r, func(ctx context.Context, v access.Viewer, id string, b answerBody) (volunteer.ServiceRecord, error) {
		return api.app.Volunteers.AnswerService(ctx, v, id, b.Version, b.AnswerInput)
	})
}

func (api *API) exportServiceRecords(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	name := "志愿服务时长-" + time.Now().In(person.China).Format("20060102") + "." + census.FormatXLSX
	out := &lazyDownload{w: w, format: census.FormatXLSX, name: name}
	_, err = census.ExportServiceHours(r.Context(), api.app.DB, api.app.Volunteers, v, hoursFilter(r), out)
	return exportDone(out, err)
}

// --- activities

func (api *API) listActivities(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := volunteer.ActivityFilter{Region: q.Get("region"), Kind: q.Get("kind"), From: q.Get("from"), To: q.Get("to")}
	return volItems(api, w, r, func(ctx context.Context, v access.Viewer) ([]volunteer.Activity, error) {
		return api.app.Volunteers.Activities(ctx, v, f)
	})
}

func (api *API) createActivity(w http.ResponseWriter, r *http.Request) error {
	return volCreate(api, w, r, api.app.Volunteers.CreateActivity)
}

func (api *API) getActivity(w http.ResponseWriter, r *http.Request) error {
	return volRead(api, w, r, api.app.Volunteers.Activity)
}

func (api *API) updateActivity(w http.ResponseWriter, r *http.Request) error {
	return writeVersioned(api, w, r, func(ctx context.Context, v access.Viewer, id string, b activityBody) (volunteer.Activity, error) {
		return api.app.Volunteers.UpdateActivity(ctx, v, id, b.Version, b.ActivityInput)
	})
}

// maxPhotosBody bounds a multipart upload of photos: as many as an
// activity may hold, each as large as allowed, with their part headers.
const maxPhotosBody = volunteer.MaxPhotos*(volunteer.MaxPhotoBytes+4<<10) + 64<<10

// addPhoto takes one image as the raw request body (answering the photo),
// or several as the "photo" parts of a multipart/form-data body
// (answering {"items": [...]}), stored all or none.
func (api *API) addPhoto(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "multipart/form-data") {
		files, err := photoParts(w, r)
		if err != nil {
			return err
		}
		ps, err := api.app.Volunteers.AddPhotos(r.Context(), v, r.PathValue("id"), files)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, map[string]any{"items": ps})
		return nil
	}
	if strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "multipart/") || strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return errs.New(errs.BadRequest, "请求体应为图片文件本身（Content-Type: application/octet-stream），或 multipart/form-data 中名为 photo 的文件部分，不是 JSON 或普通表单")
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, volunteer.MaxPhotoBytes+1))
	if err != nil {
		return errs.New(errs.BadRequest, "读取上传的照片失败")
	}
	p, err := api.app.Volunteers.AddPhoto(r.Context(), v, r.PathValue("id"), data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

// photoParts reads the "photo" parts of a multipart/form-data body, each
// up to one byte past the largest photo (so that the domain sees it is
// too large). Any other part, or a body past maxPhotosBody, is a 400.
func photoParts(w http.ResponseWriter, r *http.Request) ([]volunteer.PhotoFile, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPhotosBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errs.New(errs.BadRequest, "multipart/form-data 请求体无效：缺少 boundary 参数")
	}
	var files []volunteer.PhotoFile
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return nil, photoReadError(err)
		}
		if part.FormName() != "photo" {
			return nil, errs.New(errs.BadRequest, "multipart/form-data 请求体只能包含名为 photo 的文件部分，不能有“"+part.FormName()+"”")
		}
		data, err := io.ReadAll(io.LimitReader(part, volunteer.MaxPhotoBytes+1))
		if err == nil {
			// The rest of an oversized file is skipped, not kept.
			_, err = io.Copy(io.Discard, part)
		}
		if err != nil {
			return nil, photoReadError(err)
		}
		files = append(files, volunteer.PhotoFile{Name: part.FileName(), Data: data})
	}
}

func photoReadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errs.New(errs.BadRequest, "请求体太大：一次最多上传"+strconv.Itoa(volunteer.MaxPhotos)+"张照片，每张不超过"+strconv.Itoa(volunteer.MaxPhotoBytes>>20)+"MB")
	}
	return errs.New(errs.BadRequest, "读取上传的照片失败")
}

func (api *API) getPhoto(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	ct, data, err := api.app.Volunteers.PhotoData(r.Context(), v, r.PathValue("id"), r.PathValue("photo"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.WriteHeader(http.StatusOK)
	w.Write(data)
	return nil
}

func (api *API) deletePhoto(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	if err := api.app.Volunteers.DeletePhoto(r.Context(), v, r.PathValue("id"), r.PathValue("photo")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
