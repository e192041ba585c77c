package census

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"guanai/internal/errs"
)

// templateRows is how far down the template's drop-down lists and text
// formats reach.
const templateRows = 20000

// Template writes the import template of kind k (Children or Elders) as
// .xlsx to w: a sheet with the Chinese column headers (required ones
// marked *), text format on every column (so that ID numbers stay 18
// characters), drop-down lists for the columns with fixed values (sex,
// ethnicity, household registration, parents' status …, kept on a hidden
// sheet 选项), and an instructions sheet 填写说明 listing every column.
func Template(k Kind, w io.Writer) error {
	cols := columnsOf(k)
	if cols == nil || k == Schools {
		return errs.Newf(errs.NotFound, "没有“%s”的导入模板", k)
	}
	f := excelize.NewFile()
	defer f.Close()
	data := k.Label() + "信息"
	if err := f.SetSheetName("Sheet1", data); err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}, NumFmt: 49,
		Alignment: &excelize.Alignment{Horizontal: "center"}})
	if err != nil {
		return err
	}
	req, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}, NumFmt: 49,
		Alignment: &excelize.Alignment{Horizontal: "center"}})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	const lists = "选项"
	if _, err := f.NewSheet(lists); err != nil {
		return err
	}
	listCol := 0
	var used []column
	for _, c := range cols {
		if !c.Derived {
			used = append(used, c)
		}
	}
	for i, c := range used {
		col, _ := excelize.ColumnNumberToName(i + 1)
		header := c.Header
		style := head
		if c.Required {
			header = "*" + header
			style = req
		}
		if err := f.SetCellValue(data, col+"1", header); err != nil {
			return err
		}
		if err := f.SetCellStyle(data, col+"1", col+"1", style); err != nil {
			return err
		}
		if err := f.SetColWidth(data, col, col, c.Width+2); err != nil {
			return err
		}
		if err := f.SetColStyle(data, col, text); err != nil {
			return err
		}
		if len(c.Choices) == 0 {
			continue
		}
		// The list goes on the hidden sheet: a list written into the
		// validation itself may not pass 255 characters (56 ethnicities do).
		listCol++
		lc, _ := excelize.ColumnNumberToName(listCol)
		for j, v := range c.Choices {
			if err := f.SetCellValue(lists, fmt.Sprintf("%s%d", lc, j+1), v); err != nil {
				return err
			}
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, templateRows)
		dv.SetSqrefDropList(fmt.Sprintf("%s!$%s$1:$%s$%d", lists, lc, lc, len(c.Choices)))
		if c.Multi {
			// Several values are allowed: the list is a help, not a rule.
			dv.ShowErrorMessage = false
			dv.SetInput(c.Header, "可从列表中选择一项，或填写多项并用顿号分隔")
		} else {
			dv.SetError(excelize.DataValidationErrorStyleStop, c.Header, "请从下拉列表中选择")
		}
		if err := f.AddDataValidation(data, dv); err != nil {
			return err
		}
	}
	if err := f.SetSheetVisible(lists, false); err != nil {
		return err
	}
	if err := f.SetPanes(data, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := instructions(f, k, used); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

func instructions(f *excelize.File, k Kind, cols []column) error {
	const name = "填写说明"
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	general := []string{
		k.Label() + "信息导入模板 —— 填写说明",
		"1. 每行填写一人；第一行是列名，请勿修改或删除。列的顺序可以调整，不需要的选填列可以删除（删除后，已登记记录的该项保持不变）。",
		"2. 带 * 的列必须填写。身份证号码须为18位，并与出生日期、性别一致；请保持该列为“文本”格式，否则 Excel 会把号码改成 5.30524E+17 并丢失后几位。",
		"3. 所在村可以填写“村（社区）代码”（12位统计用区划代码），也可以只填县、乡镇、村的名称（“文沧村”“文沧村民委员会”均可），系统在您的管辖范围内查找；名称有重名或找不到时，该行会被标出并列出候选。",
		"4. 导入前先“检查”：系统逐行核对，有误的行会在报告中标出行号、列名和原因。按报告修改后，直接导入修改后的报告即可。",
		"5. 正式导入时整个文件要么全部导入，要么（有任何一行有误时）一行都不导入。按身份证号码识别已登记的人：信息有变化的更新记录并记入历史（普查更新），没有变化的保持不变；重复导入同一文件不会产生重复记录。",
		"6. 日期写成 2015-03-08（2015/3/8、20150308 也可）。是否类的列填“是”或“否”。可以多选的列用顿号分隔，如“慢性病、长期服药”。",
	}
	if k == CareTeams {
		general = []string{
			k.Label() + "导入模板 —— 填写说明",
			"1. 每行填写一名儿童的一个角色（县级干部、乡镇干部、村干部、学校教师、受委托监护人、爱心邻居）；同一儿童的同一角色在一个文件中只能出现一次。第一行是列名，请勿修改。",
			"2. 按身份证号码找到已登记、且在您管辖范围内的儿童；请保持该列为“文本”格式。",
			"3. 成员是本系统用户时填“成员账号”；不是用户时填“成员姓名”“联系电话”“与儿童关系”。干部须为儿童所在县、乡镇、村的干部账号，学校教师须在儿童就读的学校任教。",
			"4. 该角色已有他人担任时，“替换现任”填“是”才会由新人接替，否则该行报错；已是同一人担任的行不做改动。",
			"5. 导入前先“检查”，有误的行在报告中标出行号、列名和原因；正式导入时整个文件要么全部写入，要么一行都不写入。",
		}
	}
	for i, l := range general {
		if err := f.SetCellValue(name, fmt.Sprintf("A%d", i+1), l); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(name, "A1", "A1", bold); err != nil {
		return err
	}
	start := len(general) + 2
	for j, h := range []string{"列名", "是否必填", "说明", "可填的值"} {
		cell, _ := excelize.CoordinatesToCellName(j+1, start)
		if err := f.SetCellValue(name, cell, h); err != nil {
			return err
		}
		if err := f.SetCellStyle(name, cell, cell, bold); err != nil {
			return err
		}
	}
	for i, c := range cols {
		req := "选填"
		if c.Required {
			req = "必填"
		}
		choices := strings.Join(c.Choices, "、")
		if len(c.Synonyms) > 0 {
			c.Help = strings.TrimSpace(c.Help + "（列名也可写作：" + strings.Join(c.Synonyms, "、") + "）")
		}
		if err := f.SetSheetRow(name, fmt.Sprintf("A%d", start+1+i), &[]any{c.Header, req, c.Help, choices}); err != nil {
			return err
		}
	}
	last := start + len(cols)
	if err := f.SetCellStyle(name, fmt.Sprintf("C%d", start+1), fmt.Sprintf("D%d", last), wrap); err != nil {
		return err
	}
	for col, w := range map[string]float64{"A": 20, "B": 10, "C": 70, "D": 60} {
		if err := f.SetColWidth(name, col, col, w); err != nil {
			return err
		}
	}
	return nil
}
