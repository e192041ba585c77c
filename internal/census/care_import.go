package census

import (
	"context"
	"time"

	"guanai/internal/access"
	"guanai/internal/care"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/idcard"
	"guanai/internal/storage"
)

// careColumns are the columns of a care-team file: one row per child and
// role.
var careColumns = []column{
	{Field: "id_number", Header: "身份证号码", Required: true, Width: 22, Synonyms: []string{"儿童身份证号码", "身份证号", "公民身份号码", "儿童身份证号"},
		Help: "儿童的18位居民身份证号码（该儿童须已登记且在您的管辖范围内）；请把该列设为“文本”格式"},
	{Field: "name", Header: "儿童姓名", Width: 10, Synonyms: []string{"姓名", "儿童"},
		Help: "选填，用于核对：与登记的姓名不一致时该行报错"},
	{Field: "role", Header: "角色", Required: true, Width: 14, Synonyms: []string{"队伍角色", "成员角色", "关爱队伍角色"},
		Choices: labelsOf(care.TeamRoles, care.RoleLabel), Help: "关爱队伍中的角色"},
	{Field: "username", Header: "成员账号", Width: 16, Synonyms: []string{"账号", "用户名", "登录账号"},
		Help: "成员是本系统用户时填其登录账号（干部须为所在县、乡镇、村的干部账号，学校教师须在儿童就读学校任教）；填写后姓名、电话取自账号"},
	{Field: "member_name", Header: "成员姓名", Width: 10, Synonyms: []string{"担任人", "担任人姓名", "联系人"},
		Help: "成员不是本系统用户时必填（受委托监护人、爱心邻居通常不是用户）"},
	{Field: "member_phone", Header: "联系电话", Width: 14, Synonyms: []string{"成员电话", "电话", "手机号码"},
		Help: "成员不是本系统用户时的电话"},
	{Field: "relation", Header: "与儿童关系", Width: 10, Synonyms: []string{"关系"},
		Help: "如 祖母、邻居；受委托监护人必填"},
	{Field: "from", Header: "开始日期", Width: 12, Synonyms: []string{"起始日期", "任职日期"},
		Help: "不填为导入当天；不能晚于今天"},
	{Field: "replace", Header: "替换现任", Width: 10, Synonyms: []string{"是否替换", "替换"}, Choices: yesNo,
		Help: "该角色已有他人担任时：填“是”由本行的人接替（现任在本行开始日期卸任）；不填或“否”时该行报错"},
}

// careRow is a care-team row as the import pipeline handles it.
type careRow struct{ r care.ImportRow }

// IDNumber is "" so that the pipeline's duplicate check (one row per
// person) leaves the care rows alone: a child has one row per role, and
// the batch checks child and role pairs itself.
func (p *careRow) IDNumber() string { return "" }

func (p *careRow) Errors() errs.FieldErrors { return p.r.Errors }

func (p *careRow) Outcome() children.Outcome {
	switch p.r.Outcome {
	case care.OutcomeAssigned:
		return children.OutcomeNew
	case care.OutcomeReassigned:
		return children.OutcomeUpdate
	}
	return children.OutcomeUnchanged
}

func (p *careRow) SetError(field, msg string) { p.r.Errors.Add(field, msg) }

type careBatch struct {
	s *Service
	b *care.ImportBatch
}

func (s *Service) newCareBatch(v access.Viewer, now time.Time) (batch, error) {
	b, err := s.care.NewImportBatch(v, now)
	if err != nil {
		return nil, err
	}
	return &careBatch{s: s, b: b}, nil
}

func (cb *careBatch) prepare(ctx context.Context, c *cells) (prepared, error) {
	p := &careRow{r: care.ImportRow{Row: c.row, ChildName: c.str("name"), Username: c.str("username"), Name: c.str("member_name"),
		Phone: c.str("member_phone"), Relation: c.str("relation"), From: c.date("from"), Errors: errs.FieldErrors{}}}
	if id := c.idNumber("id_number"); id == "" {
		p.r.Errors.Add("id_number", "身份证号码不能为空")
	} else if n, err := idcard.ParseAt(id, cb.s.db.Now()); err != nil {
		p.r.Errors.Add("id_number", errs.As(err).Message)
	} else {
		p.r.IDHash = cb.s.vault.Hash("child", n.Number)
	}
	role := c.str("role")
	p.r.Role = codeOf(role, care.TeamRoles, care.RoleLabel)
	if role == "" {
		p.r.Errors.Add("role", "请填写角色")
	}
	var ok bool
	if p.r.Replace, ok = parseBool(c.str("replace")); !ok {
		p.r.Errors.Add("replace", "替换现任应填“是”或“否”")
	}
	if p.r.Username == "" && p.r.Name == "" {
		p.r.Errors.Add("member_name", "请填写成员账号或成员姓名")
	}
	return p, nil
}

func (cb *careBatch) rows(ps []prepared) []*care.ImportRow {
	out := make([]*care.ImportRow, 0, len(ps))
	for _, p := range ps {
		out = append(out, &p.(*careRow).r)
	}
	return out
}

func (cb *careBatch) check(ctx context.Context, q storage.Querier, ps []prepared, _ []string) error {
	// Rows already wrong are checked no further.
	var ok []*care.ImportRow
	for _, r := range cb.rows(ps) {
		if len(r.Errors) == 0 {
			ok = append(ok, r)
		}
	}
	return cb.b.Check(ctx, q, ok)
}

func (cb *careBatch) write(ctx context.Context, tx *storage.Tx, ps []prepared) error {
	return cb.b.Write(ctx, tx, cb.rows(ps))
}

func (cb *careBatch) finish(context.Context, *storage.Tx, string) error { return nil }

func (cb *careBatch) counts() (int, int, int) { return cb.b.Counts() }
