// Package content holds the demo stores' files. It is data; this file only
// embeds it, so `wandgen demo` works from any folder with nothing but the
// binary.
package content

import "embed"

// FS is the demo content: one folder per store (magic-wands/store.yaml, ...).
//
//go:embed *
var FS embed.FS
