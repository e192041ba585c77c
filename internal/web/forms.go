package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"guanai/internal/errs"
)

// option is one choice of a select or one checkbox of a group.
type option struct {
	Value, Label string
	// Selected marks the chosen option (or a ticked checkbox).
	Selected bool
}

// pager is the paging bar under a list: the total, which items are shown
// and links to the pages before and after, keeping the list's filter.
type pager struct {
	Total, Page, Pages int
	// From and To number the items shown (1-based), 0 when there are none.
	From, To   int
	Prev, Next string
}

// newPager returns the pager of page (1-based) of total items, size per
// page, with links that keep r's other query parameters.
func newPager(r *http.Request, total, page, size int) pager {
	p := pager{Total: total, Page: page, Pages: max(1, (total+size-1)/size)}
	if total > 0 && page <= p.Pages {
		p.From, p.To = (page-1)*size+1, min(total, page*size)
	}
	link := func(n int) string {
		q := r.URL.Query()
		q.Del("n")
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(min(page-1, p.Pages))
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	return p
}

// maxPage bounds the page parameter (and so the offset a query is given).
const maxPage = 100000

// pageParam returns the page query parameter, 1 when absent or bad.
func pageParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, maxPage)
}

// clean returns s as valid UTF-8 without NUL characters, which no
// database column accepts.
func clean(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// postValue returns a posted text field, cleaned.
func postValue(r *http.Request, name string) string { return clean(r.PostFormValue(name)) }

// queryValue returns a query parameter, trimmed and cleaned.
func queryValue(r *http.Request, name string) string {
	return clean(strings.TrimSpace(r.URL.Query().Get(name)))
}

// fieldErrors returns the per-field messages of a validation error (or of
// a conflict tied to a field, such as a username in use), and whether err
// is one.
func fieldErrors(err error) (errs.FieldErrors, bool) {
	var e *errs.Error
	if errors.As(err, &e) && (e.Code == errs.Invalid || e.Code == errs.Conflict) && len(e.Fields) > 0 {
		return errs.FieldErrors(e.Fields), true
	}
	return nil, false
}
