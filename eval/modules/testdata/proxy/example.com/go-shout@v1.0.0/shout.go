// Package shout is named otherwise than the last element of its import path, as go-humanize's
// package humanize is.
package shout

import "strings"

// Loud upper-cases s.
func Loud(s string) string { return strings.ToUpper(s) + "!" }
