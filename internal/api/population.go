package api

import (
	"net/http"
	"strings"

	"guanai/internal/census"
	"guanai/internal/errs"
	"guanai/internal/population"
)

// PopulationResultJSON is the summary of a population import as the API
// returns it.
type PopulationResultJSON struct {
	*population.Result
	Message string `json:"message"`
}

// PopulationRejected is the body of a population commit refused because
// of bad rows: the error shape and the import's summary.
type PopulationRejected struct {
	Error  ErrorDetail          `json:"error"`
	Result PopulationResultJSON `json:"result"`
}

// populationService is the population table over the app's database.
func (api *API) populationService() *population.Service {
	return population.New(api.app.DB, api.app.Regions)
}

// listPopulation returns a node's population figures and its child
// nodes'.
func (api *API) listPopulation(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	region := strings.TrimSpace(r.URL.Query().Get("region"))
	if region == "0" {
		region = "" // all of China, as /regions/0 writes it
		if v.Region != "" {
			return errs.New(errs.NotFound, "该区划不存在或不在您的管辖范围内")
		}
	}
	l, err := api.populationService().List(r.Context(), v, region)
	if err != nil {
		if errs.Is(err, errs.Invalid) {
			return errs.FieldErrors{"region": errs.As(err).Message}.Err()
		}
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

// importPopulation runs a population import of the request body (the
// file itself, as for census imports).
func (api *API) importPopulation(w http.ResponseWriter, r *http.Request) error {
	v, err := api.viewer(r)
	if err != nil {
		return err
	}
	if !population.MayImport(v) {
		return errs.New(errs.Forbidden, "您无权导入人口数据")
	}
	fe := errs.FieldErrors{}
	dry := boolParam(r, "dry_run", fe)
	if err := fe.Err(); err != nil {
		return err
	}
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	switch ct {
	case "text/csv", census.ContentType(census.FormatXLSX), "application/octet-stream", "":
	default:
		return errs.New(errs.BadRequest, "请求体应为文件本身：Content-Type 为 text/csv、application/vnd.openxmlformats-officedocument.spreadsheetml.sheet 或 application/octet-stream")
	}
	name := strings.TrimSpace(r.URL.Query().Get("file_name"))
	res, err := api.populationService().ImportReader(r.Context(), v, r.Body, MaxUpload, population.Options{DryRun: dry, FileName: name})
	if err != nil {
		return err
	}
	out := PopulationResultJSON{Result: res, Message: res.Message()}
	if !dry && res.Invalid > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, PopulationRejected{Error: ErrorDetail{Code: string(errs.Invalid), Message: res.Message()}, Result: out})
		return nil
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// populationTemplate downloads the population import template.
func (api *API) populationTemplate(w http.ResponseWriter, r *http.Request) error {
	if _, err := api.viewer(r); err != nil {
		return err
	}
	download(w, census.FormatXLSX, population.TemplateName)
	return population.Template(w)
}
