package server

import (
	"net/url"
	"strings"
)

// maxRedirectLen bounds a redirect target taken from a request; Pipewell's own
// addresses, filters included, stay far below it.
const maxRedirectLen = 2048

// safeNext returns target when it is a path on this site (see localPath),
// "/" otherwise. Every redirect target taken from a request (log-in's "next",
// the "return" of notes and project actions) goes through it.
func safeNext(target string) string {
	if localPath(target) {
		return target
	}
	return "/"
}

// returnTo is where a form posted from elsewhere (the board's "complete
// next milestone", a note from the log drawer) goes back to: its "return"
// when that is a path on this site, else fallback.
func returnTo(ret, fallback string) string {
	if localPath(ret) {
		return ret
	}
	return fallback
}

// localPath reports whether a browser sent to target stays on this origin.
// Browsers normalise a URL before they read it: they drop leading and
// trailing spaces and control characters, remove every tab, CR and LF, and
// read a backslash as a slash. So "/\t/evil.example", "/\\evil.example" and
// " //evil.example" all lead to evil.example although they do not start with
// "//". Only printable ASCII is accepted (no spaces, no control characters, no
// backslash, nothing a browser would rewrite), starting with one "/" and
// parsing with no scheme, host or user. A percent-encoded control character
// is refused too: nothing of ours carries one, and an intermediary that
// decodes it once would turn it back into the trick above. Percent-encoded
// slashes ("/%2F%2Fevil.example") stay: a browser does not decode them, so
// they name a path on this site (which answers 404).
func localPath(target string) bool {
	if len(target) < 1 || len(target) > maxRedirectLen || target[0] != '/' {
		return false
	}
	if strings.HasPrefix(target, "//") {
		return false
	}
	for i := 0; i < len(target); i++ {
		if c := target[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return false
		}
	}
	decoded, err := url.PathUnescape(target)
	if err != nil {
		return false
	}
	for i := 0; i < len(decoded); i++ {
		if c := decoded[i]; c < ' ' || c == 0x7f {
			return false
		}
	}
	u, err := url.Parse(target)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == ""
}
