package web

import (
	"maps"

	"guanai/internal/population"
)

// The texts of the population page (the population table behind the
// incidence rate, issue 6), kept apart from the other catalogs; init
// merges them into the catalog.
var populationCatalog = map[string]message{
	"nav.population":   {"人口数据", "Population"},
	"title.population": {"区划人口数据", "Population by region"},

	"population.heading":  {"区划人口数据", "Population by region"},
	"population.intro":    {"各区划各年龄段的儿童人数（统计部门或公安户籍数据），是留守儿童发生率的分母。“本级导入”为该区划导入的数；未导入的区划由下级汇总，只有全部下级都有数据时汇总才完整——据不完整的汇总计算的发生率只是部分数据。", "Children by age band in each region (statistics bureau or household registration figures): the denominator of the left-behind incidence rate. “Imported” figures were imported for the region itself; a region without them sums its sub-regions, completely only when every sub-region has figures — a rate over a partial sum rests on partial population data."},
	"population.caption":  {"%s及下级区划的儿童人数", "Children in %s and its sub-regions"},
	"population.place":    {"区划", "Region"},
	"population.year":     {"年份", "Year"},
	"population.total":    {"合计", "Total"},
	"population.source":   {"来源", "Source"},
	"population.no_rows":  {"没有下级区划。", "No sub-regions."},
	"population.template": {"下载人口数据导入模板", "Download the population template"},

	"population.band.0-5":   {"0–5岁", "Age 0–5"},
	"population.band.6-11":  {"6–11岁", "Age 6–11"},
	"population.band.12-14": {"12–14岁", "Age 12–14"},
	"population.band.15+":   {"15–17岁", "Age 15–17"},

	"population.source.declared": {"本级导入", "Imported"},
	"population.source.derived":  {"下级汇总（%d个下级，完整）", "Sum of sub-regions (all %d)"},
	"population.source.partial":  {"下级汇总（仅%d/%d个下级有数据，不完整）", "Partial sum (%d of %d sub-regions)"},
	"population.source.none":     {"暂无数据", "No figures"},

	"population.import":       {"导入人口数据", "Import population figures"},
	"population.import_intro": {"上传 Excel（.xlsx）或 CSV 文件，列为区划代码（或区划名称）、年份和四个年龄段的儿童人数，每个区划一行，可在乡镇、县等任一级填写。先检查，无误后再正式导入；再次导入同一区划会替换其原有数据。", "Upload an Excel (.xlsx) or CSV file with the region code (or name), the year and the children in the four age bands: one row per region, at any level. Check it first, then import it for real; importing a region again replaces its figures."},
	"population.result_dry":   {"检查结果", "Check result"},
	"population.result":       {"导入结果", "Import result"},
	"record.population":       {"", "population figures"},
	"population.more_errors":  {"另有 %d 处错误未列出。", "%d more errors not listed."},
}

func init() {
	maps.Copy(catalog, populationCatalog)
	auditRecordTypes = append(auditRecordTypes, option{Value: population.RecordType, Label: "人口数据"})
}
