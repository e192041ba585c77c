// Package matrix holds the role × route × record access test: every HTML
// and API route, for every role, against a record inside and a record
// outside the user's scope, with the expected outcomes in one table.
package matrix
