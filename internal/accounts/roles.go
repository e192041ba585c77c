// Package accounts holds guanai's users, their roles and data scope, the
// password and login rules (a 等保 2.0 level-3 profile), sessions, personal
// access tokens and TOTP second factors. ViewerFor turns a user into the
// access.Viewer every domain query filters by.
package accounts

import (
	"slices"

	"guanai/internal/access"
)

// Role identifiers, as used in code and the API.
const (
	RoleLeader       = "leader"        // 五级书记/分管领导: reads everything in the subtree
	RoleOfficer      = "officer"       // 儿童主任/儿童督导员: keeps the records of the subtree
	RolePrincipal    = "principal"     // 校长: the school's pupils
	RoleTeacher      = "teacher"       // 班主任/教师: the class's pupils
	RoleSocialWorker = "social_worker" // 社工: a region until contracts exist
	RoleMentor       = "mentor"        // 结对干部、青年企业家、志愿者: paired children only
	RoleCounsellor   = "counsellor"    // 心理咨询师: mental-health detail in the subtree
	RoleSysadmin     = "sysadmin"      // 系统管理员: accounts and settings
	RoleSecadmin     = "secadmin"      // 安全管理员: security settings, unlocking
	RoleAuditor      = "auditor"       // 审计员: the audit log only
)

// Roles lists every role in display order.
var Roles = []string{RoleLeader, RoleOfficer, RolePrincipal, RoleTeacher, RoleSocialWorker, RoleMentor, RoleCounsellor, RoleSysadmin, RoleSecadmin, RoleAuditor}

// AdminRoles are the three separated duties (三权分立): no account holds
// two of them, nor one of them with a role that reads children's data.
var AdminRoles = []string{RoleSysadmin, RoleSecadmin, RoleAuditor}

// RoleLabel returns a role in Chinese.
func RoleLabel(r string) string {
	switch r {
	case RoleLeader:
		return "书记/负责领导"
	case RoleOfficer:
		return "儿童主任/督导员"
	case RolePrincipal:
		return "校长"
	case RoleTeacher:
		return "教师"
	case RoleSocialWorker:
		return "社工"
	case RoleMentor:
		return "结对帮扶人"
	case RoleCounsellor:
		return "心理咨询师"
	case RoleSysadmin:
		return "系统管理员"
	case RoleSecadmin:
		return "安全管理员"
	case RoleAuditor:
		return "审计员"
	}
	return r
}

// TOTPRequired reports whether any of roles must log in with a second factor.
func TOTPRequired(roles []string) bool {
	for _, r := range roles {
		if slices.Contains(AdminRoles, r) {
			return true
		}
	}
	return false
}

// Has reports whether roles contains r.
func Has(roles []string, r string) bool { return slices.Contains(roles, r) }

// ViewerFor returns what u may see and do with census records: the one
// mapping from roles to scope and field rights.
//
//	role           scope            write  ID numbers  health  difficulty  mental health
//	leader         region subtree   no     yes         yes     yes         no
//	officer        region subtree   yes    yes         yes     yes         yes
//	principal      own school       yes    yes         yes     yes         no
//	teacher        own class        yes    no          yes     yes         no
//	social_worker  region subtree   no     no          yes     yes         yes
//	counsellor     region subtree   no     no          yes     yes         yes
//	mentor         paired children  no     no          no      no          no    (Viewer.PairedWith; read through package care)
//
// Mental health (the psychology notes of follow-ups) is for those who
// follow a child's case: the children's director (officer), social
// workers and counsellors; leaders, school staff and mentors see the
// rating, not the note.
//
//	sysadmin, secadmin, auditor: no census records at all
//
// A user with several data roles gets the widest scope among them and the
// union of their rights.
func ViewerFor(u User, ip string) access.Viewer {
	v := access.Viewer{UserID: u.ID, Username: u.Username, Name: u.Name, IP: ip, Roles: u.Roles}
	regionScoped := false
	for _, r := range u.Roles {
		switch r {
		case RoleLeader:
			regionScoped = true
			v.May.IDNumber, v.May.Health, v.May.Difficulty = true, true, true
		case RoleOfficer:
			regionScoped = true
			v.May = access.Sensitive{IDNumber: true, Health: true, Difficulty: true, MentalHealth: true}
			v.CanWrite = true
		case RoleSocialWorker, RoleCounsellor:
			regionScoped = true
			v.May.Health, v.May.Difficulty, v.May.MentalHealth = true, true, true
		case RolePrincipal:
			v.May.IDNumber, v.May.Health, v.May.Difficulty = true, true, true
			v.CanWrite = true
		case RoleTeacher:
			v.May.Health, v.May.Difficulty = true, true
			v.CanWrite = true
		}
	}
	v.Region = u.RegionCode
	switch {
	case regionScoped:
	case Has(u.Roles, RolePrincipal):
		v.SchoolID = u.SchoolID
		if v.SchoolID == "" {
			v.Nobody = true
		}
	case Has(u.Roles, RoleTeacher):
		v.SchoolID, v.ClassID = u.SchoolID, u.ClassID
		if v.SchoolID == "" || v.ClassID == "" {
			v.Nobody = true
		}
	case Has(u.Roles, RoleMentor):
		// A mentor sees the children paired with them, through package
		// care only, and none of the sensitive fields.
		v.PairedWith = u.ID
		v.May = access.Sensitive{}
		v.CanWrite = false
		if u.ID == "" {
			v.Nobody = true
		}
	default:
		// the administrative roles see no census records.
		v.Nobody = true
		v.May = access.Sensitive{}
		v.CanWrite = false
	}
	if !u.Active {
		v.Nobody, v.CanWrite, v.May, v.PairedWith = true, false, access.Sensitive{}, ""
	}
	return v
}

// ManagesUsers reports whether v may manage accounts (sysadmin), limited to
// users in v's region subtree.
func ManagesUsers(v access.Viewer) bool { return Has(v.Roles, RoleSysadmin) }

// UnlocksUsers reports whether v may unlock accounts and reset second
// factors (secadmin or sysadmin).
func UnlocksUsers(v access.Viewer) bool {
	return Has(v.Roles, RoleSecadmin) || Has(v.Roles, RoleSysadmin)
}

// manages reports whether an account in region code lies in the
// administrator v's subtree. (Administrators see no census records, so
// Viewer.InRegion, which honours Nobody, does not apply to accounts.)
func manages(v access.Viewer, code string) bool {
	lo, hi := v.RegionRange()
	return (code >= lo && code < hi) || (v.Region == "" && code == "")
}
