// Package e2e drives guanai's pages in a real browser (Debian's Chromium,
// through chromedp) against the real server on a loopback port.
package e2e
