// Package errs defines guanai's one error type: a small set of codes, a safe
// message in Chinese for users, optional per-field messages, and a wrapped
// cause for the logs.
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error; the HTTP layers map each code to one status.
type Code string

// The error codes used across guanai.
const (
	Invalid      Code = "invalid"      // the input breaks a rule (422 or 400)
	BadRequest   Code = "bad_request"  // the request itself is malformed (400)
	NotFound     Code = "not_found"    // no such record, or out of the caller's scope (404)
	Conflict     Code = "conflict"     // stale version or duplicate (409)
	Forbidden    Code = "forbidden"    // authenticated but not allowed (403)
	Unauthorized Code = "unauthorized" // not logged in (401)
	Internal     Code = "internal"     // anything unexpected (500)
)

// Error is an error with a code, a message safe to show to users (zh-CN),
// optional field errors keyed by field name, and an optional cause that is
// logged but never shown.
type Error struct {
	Code    Code
	Message string
	Fields  map[string]string
	Err     error
}

// Error returns the message and, for logs, the cause.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error with the given code and user-facing message.
func New(code Code, msg string) *Error { return &Error{Code: code, Message: msg} }

// Newf is New with formatting.
func Newf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an internal error with a generic message and the cause.
func Wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: Internal, Message: "服务器内部错误", Err: fmt.Errorf("%s: %w", what, err)}
}

// FieldErrors collects per-field validation messages.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a message.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Addf records a formatted message for field.
func (f FieldErrors) Addf(field, format string, args ...any) {
	f.Add(field, fmt.Sprintf(format, args...))
}

// Err returns nil when there are no field errors, else an Invalid error
// carrying them.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: "输入有误，请检查标出的字段", Fields: map[string]string(f)}
}

// CodeOf returns the code of err: Internal for unknown errors, "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns err as *Error, turning unknown errors into an internal error.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Message: "服务器内部错误", Err: err}
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return CodeOf(err) == code }
