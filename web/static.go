package web

import "embed"

// Static holds the files served under /static/: the stylesheet, vendored htmx
// (2.0.11) and icons.
//
//go:embed static
var Static embed.FS
