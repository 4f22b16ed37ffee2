package modules

import (
	"fmt"
	"regexp"
	"strings"
)

// An Error is why a package can't be imported: its message names the module or package and says
// what to do.
type Error struct {
	Path    string  // the import path the cell wrote (or the argument of go get)
	Package string  // the package at fault, when it is another (a dependency)
	Module  Version // the module at fault, when known
	Msg     string
}

func (e *Error) Error() string { return e.Msg }

// goMessage is what a failed go command said: its standard error without the lines of progress.
func goMessage(stderr []byte, err error) string {
	var lines []string
	for _, line := range strings.Split(string(stderr), "\n") {
		if line = strings.TrimRight(line, " \r"); line != "" && !fetching(line) && !strings.HasPrefix(line, "go: added ") &&
			!strings.HasPrefix(line, "go: upgraded ") && !strings.HasPrefix(line, "go: downgraded ") {
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		if err != nil {
			return err.Error()
		}
		return "no output"
	}
	return strings.Join(lines, "\n")
}

// Patterns of the go command's messages.
var (
	networkRE  = regexp.MustCompile(`dial tcp|no such host|connection refused|i/o timeout|network is unreachable|TLS handshake|proxyconnect|connection reset|server misbehaving|timeout awaiting`)
	statusRE   = regexp.MustCompile(`: (40[0-9]|41[0-9]|5[0-9][0-9]) ([A-Za-z ]+)`)
	versionRE  = regexp.MustCompile(`([^\s:@]+)@([^\s:]+): (reading \S+/@v/\S+\.info|invalid version|unknown revision)`)
	moduleRE   = regexp.MustCompile(`module ([^\s:@]+): (reading \S+/@v/list|.*not found)`)
	noPkgRE    = regexp.MustCompile(`module ([^\s@]+)@\S+ found \(([^)]+)\), but does not contain package (\S+)`)
	needsGoRE  = regexp.MustCompile(`(\S+)@(\S+) requires go >= (\S+) \(running go (\S+)`)
	offRE      = regexp.MustCompile(`disabled by GOPROXY=off`)
	checksumRE = regexp.MustCompile(`checksum mismatch|SECURITY ERROR|verifying .*: `)
)

// classify turns a message of the go command about an import path (or a go get argument) into
// an Error that says what failed and what to do. pkg is the package it is about, when it is a
// dependency of path.
func classify(path, pkg, msg string, env []string) *Error {
	msg = strings.TrimPrefix(strings.TrimSpace(msg), "go: ")
	first, _, _ := strings.Cut(msg, "\n")
	e := &Error{Path: path, Package: pkg}
	what := path
	if pkg != "" && pkg != path {
		what = fmt.Sprintf("%s (imported by %s)", pkg, path)
	}
	proxy := goEnvValue(env, "GOPROXY", "https://proxy.golang.org,direct")
	mod := modulePart(first)
	switch {
	case offRE.MatchString(msg):
		e.Msg = fmt.Sprintf("can't fetch the module of %s: GOPROXY=off turns module downloads off; "+
			"set GOPROXY to a module proxy (%%env GOPROXY=https://proxy.golang.org) or to a folder laid out as one (GOPROXY=file:///path)", what)
	case networkRE.MatchString(msg):
		e.Msg = fmt.Sprintf("can't reach the module proxy for %s (GOPROXY=%s): %s. "+
			"Point GOPROXY at a mirror you can reach (%%env GOPROXY=https://mirror.example/), or, offline, at a folder laid out as a "+
			"module proxy: copy $(go env GOMODCACHE)/cache/download from a machine that has the module and set GOPROXY=file:///that/folder",
			what, proxy, cause(first))
	case noPkgRE.MatchString(msg):
		m := noPkgRE.FindStringSubmatch(msg)
		e.Module = Version{m[1], m[2]}
		e.Msg = fmt.Sprintf("module %s %s has no package %s: check the import path (the packages of a module are folders of it)", m[1], m[2], m[3])
	case needsGoRE.MatchString(msg):
		m := needsGoRE.FindStringSubmatch(msg)
		e.Module = Version{m[1], m[2]}
		e.Msg = fmt.Sprintf("%s %s needs Go %s, and the kernel's Go toolchain is %s: pin an older version of it (%%go get %s@vX.Y.Z) or install a newer Go",
			m[1], m[2], m[3], m[4], m[1])
	case versionRE.MatchString(first) && !statusIs(first, "403"):
		m := versionRE.FindStringSubmatch(first)
		e.Module = Version{m[1], m[2]}
		e.Msg = fmt.Sprintf("module %s has no version %s (the module proxy, GOPROXY=%s, doesn't know it): "+
			"%%go get %s@latest takes the newest; the versions are listed at https://pkg.go.dev/%s?tab=versions",
			m[1], m[2], proxy, m[1], m[1])
	case statusIs(first, "403") || statusIs(first, "401"):
		e.Msg = fmt.Sprintf("the module proxy refused %s (GOPROXY=%s): %s%s. Check the import path's spelling; a private module needs GOPRIVATE=%s "+
			"(and access to its repository); otherwise point GOPROXY at a mirror that serves it", what, proxy, cause(first), serverSays(msg), privatePattern(mod, path))
	case moduleRE.MatchString(first) || statusIs(first, "404") || statusIs(first, "410"):
		if mod == "" {
			mod = path
		}
		e.Msg = fmt.Sprintf("no module provides %s: the module proxy (GOPROXY=%s) knows no module %s. Check the import path's spelling; "+
			"a private module needs GOPRIVATE=%s (and access to its repository)", what, proxy, mod, privatePattern(mod, path))
	case checksumRE.MatchString(msg):
		e.Msg = fmt.Sprintf("the download of the module of %s failed its checksum (GOSUMDB, go.sum): %s", what, first)
	default:
		e.Msg = fmt.Sprintf("can't import %s: the go command says: %s", what, first)
	}
	return e
}

// serverSays is what the proxy said with a refusal, " (…)", or "".
func serverSays(msg string) string {
	_, said, ok := strings.Cut(msg, "server response:")
	if !ok {
		return ""
	}
	said, _, _ = strings.Cut(strings.TrimSpace(said), "\n")
	return " (" + strings.TrimSuffix(said, ".") + ")"
}

// statusIs tells whether a message reports an HTTP status.
func statusIs(msg, code string) bool {
	for _, m := range statusRE.FindAllStringSubmatch(msg, -1) {
		if m[1] == code {
			return true
		}
	}
	return false
}

// cause is the end of a message: what went wrong, without the URL before it.
func cause(msg string) string {
	if i := strings.LastIndex(msg, "\": "); i >= 0 {
		return msg[i+3:]
	}
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// modulePart returns the module path a message of the go command is about.
func modulePart(msg string) string {
	if m := moduleRE.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	if m := versionRE.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return ""
}

// privatePattern suggests a GOPRIVATE pattern for a module path: its host and first element.
func privatePattern(mod, path string) string {
	if mod == "" {
		mod = path
	}
	parts := strings.Split(mod, "/")
	if len(parts) > 2 {
		parts = parts[:2]
	}
	return strings.Join(parts, "/")
}

// goEnvValue reads a variable of env, with a default.
func goEnvValue(env []string, name, def string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], name+"="); ok && v != "" {
			return v
		}
	}
	return def
}
