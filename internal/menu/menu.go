// Package menu is the service menu (菜单式服务): a catalogue of care
// services — tutoring, companionship, counselling, health checks, safety
// education, legal aid… — each offered by a provider (a social
// organisation, a school or a volunteer) in given regions, with a capacity
// and a schedule. Needs (package needs) are matched to its services.
package menu
