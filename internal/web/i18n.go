package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"guanai/internal/authn"
)

// lang is a language the pages are shown in: Chinese (the default) or
// English. Only the words of the pages themselves are translated: what
// the domain packages say — validation messages beside a field, a
// conflict's explanation, region and school names, the 56 ethnic groups —
// stays in Chinese in both, since it comes from the domain packages,
// which speak the programme's language. That is acceptable for the
// English pages, which serve visitors and technical staff, not the
// people who keep the census.
type lang string

const (
	zh lang = "zh"
	en lang = "en"
)

// langs lists the languages in switch order.
var langs = []lang{zh, en}

// langCookie remembers the chosen language.
const langCookie = "guanai_lang"

// langOf returns the language r asks for with the language cookie, zh
// when it names none.
func langOf(r *http.Request) lang {
	if c, err := r.Cookie(langCookie); err == nil && lang(c.Value) == en {
		return en
	}
	return zh
}

// htmlLang is the lang attribute of a page in l.
func (l lang) htmlLang() string {
	if l == en {
		return "en"
	}
	return "zh-CN"
}

// T returns the catalog's text for key in l, formatted with args when
// there are any. A key missing from the catalog shows as itself (a test
// checks that every key the templates use is there).
func (l lang) T(key string, args ...any) string {
	m, ok := catalog[key]
	if !ok {
		return key
	}
	s := m.zh
	if l == en && m.en != "" {
		s = m.en
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// label returns the text of a code the domain labels in Chinese: the
// domain's own label in Chinese, the catalog's entry key in English when
// there is one (else the Chinese label).
func (l lang) label(key, domainLabel string) string {
	if l == en {
		if m, ok := catalog[key]; ok && m.en != "" {
			return m.en
		}
	}
	return domainLabel
}

// switchLang sets the language cookie and goes back to the page the
// switch was clicked on.
func (w *Web) switchLang(rw http.ResponseWriter, r *http.Request, _ authn.Identity) error {
	to := zh
	if lang(r.URL.Query().Get("to")) == en {
		to = en
	}
	http.SetCookie(rw, &http.Cookie{Name: langCookie, Value: string(to), Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	next := safeNext(r.URL.Query().Get("next"))
	if next == "" {
		next = "/"
	}
	return seeOther(rw, r, next)
}

// langSwitch is the header's link to the other language.
func langSwitch(r *http.Request, cur lang) (href, label, hreflang string) {
	to := en
	if cur == en {
		to = zh
	}
	q := url.Values{"to": {string(to)}}
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		// A page answering a form post has no address of its own to
		// return to: go back to the page the form was on.
		next = ""
		if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
			next = ref.RequestURI()
		}
	}
	if safeNext(next) != "" {
		q.Set("next", next)
	}
	if to == en {
		return "/lang?" + q.Encode(), "English", "en"
	}
	return "/lang?" + q.Encode(), "中文", "zh-CN"
}
