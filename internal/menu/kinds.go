package menu

// Service kinds: what a menu service offers and what a need asks for.
const (
	KindTutoring        = "tutoring"         // 课业辅导
	KindCompanionship   = "companionship"    // 陪伴
	KindCounselling     = "counselling"      // 心理疏导
	KindHealthCheck     = "health_check"     // 健康检查
	KindSafetyEducation = "safety_education" // 安全教育
	KindLegalAid        = "legal_aid"        // 法律援助
	KindLivingAid       = "living_aid"       // 生活帮扶
	KindOther           = "other"            // 其他
)

// Kinds lists the service kinds in display order.
var Kinds = []string{KindTutoring, KindCompanionship, KindCounselling, KindHealthCheck, KindSafetyEducation, KindLegalAid, KindLivingAid, KindOther}

// KindLabel returns a service kind in Chinese.
func KindLabel(kind string) string {
	switch kind {
	case KindTutoring:
		return "课业辅导"
	case KindCompanionship:
		return "陪伴"
	case KindCounselling:
		return "心理疏导"
	case KindHealthCheck:
		return "健康检查"
	case KindSafetyEducation:
		return "安全教育"
	case KindLegalAid:
		return "法律援助"
	case KindLivingAid:
		return "生活帮扶"
	case KindOther:
		return "其他"
	}
	return kind
}

// KindsText lists the kinds in Chinese, for error messages.
func KindsText() string {
	s := ""
	for i, k := range Kinds {
		if i > 0 {
			s += "、"
		}
		s += KindLabel(k)
	}
	return s
}
