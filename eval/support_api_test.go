package eval

import (
	"bufio"
	"fmt"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/eval/internal/modern"
)

// apiPackages are the packages whose whole Go 1.26 API the kernel aims to have (issue 12).
var apiPackages = []string{"slices", "maps", "iter", "cmp", "strings", "bytes", "sync", "sync/atomic", "errors", "math/rand/v2"}

// apiLine is one line of Go's api/go1.*.txt files.
type apiLine struct {
	pkg, kind, name, sig string // sig: the rest of the line after the name
}

// readAPI returns the current API of the packages, from GOROOT's api files (each file adds to
// the one before; except.txt lists what was taken back).
func readAPI(t *testing.T, pkgs []string) []apiLine {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "api")
	files, err := filepath.Glob(filepath.Join(dir, "go1*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no api files in %s: %v", dir, err)
	}
	except := map[string]bool{}
	for _, l := range readLines(t, filepath.Join(dir, "except.txt")) {
		except[l] = true
	}
	want := map[string]bool{}
	for _, p := range pkgs {
		want[p] = true
	}
	seen := map[string]bool{}
	var lines []apiLine
	for _, f := range files {
		for _, l := range readLines(t, f) {
			if except[l] || seen[l] {
				continue
			}
			seen[l] = true
			pkg, rest, ok := strings.Cut(strings.TrimPrefix(l, "pkg "), ", ")
			if !ok || !want[pkg] {
				continue
			}
			rest, _, _ = strings.Cut(rest, " #") // issue numbers
			kind, decl, _ := strings.Cut(rest, " ")
			switch kind {
			case "func", "var", "const":
				name := strings.FieldsFunc(decl, func(r rune) bool { return r == '(' || r == '[' || r == ' ' })[0]
				lines = append(lines, apiLine{pkg, kind, name, strings.TrimPrefix(decl, name)})
			case "type":
				name := strings.FieldsFunc(decl, func(r rune) bool { return r == '[' || r == ' ' })[0]
				sig := strings.TrimPrefix(decl, name)
				if strings.HasPrefix(sig, "[") { // type parameters: Seq2[$0 interface{}, $1 interface{}]
					depth := 0
					for i, r := range sig {
						if r == '[' {
							depth++
						} else if r == ']' {
							if depth--; depth == 0 {
								sig = sig[i+1:]
								break
							}
						}
					}
				}
				if sig = strings.TrimSpace(sig); strings.HasPrefix(sig, "struct, ") || strings.HasPrefix(sig, "interface, ") {
					continue // a field or an interface method
				}
				lines = append(lines, apiLine{pkg, kind, name, sig})
			case "method":
				// method (*Buffer) Peek(int) ([]uint8, error)
				recv, m, _ := strings.Cut(strings.TrimPrefix(decl, "("), ") ")
				name := strings.FieldsFunc(m, func(r rune) bool { return r == '(' })[0]
				lines = append(lines, apiLine{pkg, kind, recv + "." + name, strings.TrimPrefix(m, name)})
			}
		}
	}
	return lines
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}

// apiStatus is how the kernel has one name of the API.
type apiStatus struct {
	how  string // "native", "interpreted", "missing"
	diff string // the kernel's signature, when it differs from Go's
}

// TestAPI checks that every func, type, var, const and method of apiPackages is there, with
// Go's signature: the type check sees what cells get, so the check's view is compared.
func TestAPI(t *testing.T) {
	status, lines := apiTable(t)
	for _, l := range lines {
		st := status[l.pkg+"."+l.name]
		switch {
		case st.how == "missing":
			t.Errorf("%s.%s (%s) is missing", l.pkg, l.name, l.kind)
		case st.diff != "":
			t.Errorf("%s.%s: the kernel has %s%s, Go %s%s", l.pkg, l.name, l.name, st.diff, l.name, l.sig)
		}
	}
}

// apiTable returns the status of every name of apiPackages.
func apiTable(t *testing.T) (map[string]apiStatus, []apiLine) {
	t.Helper()
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	lines := readAPI(t, apiPackages)
	status := map[string]apiStatus{}
	for _, l := range lines {
		p, err := s.importer.Import(l.pkg)
		if err != nil {
			t.Fatalf("importing %s for the check: %v", l.pkg, err)
		}
		how := "native"
		if mp, ok := modern.Lookup(l.pkg); ok && mp.Has(strings.TrimPrefix(strings.TrimPrefix(l.name[:strings.IndexByte(l.name+".", '.')], "*"), "")) {
			how = "interpreted"
		}
		st := apiStatus{how: how}
		switch l.kind {
		case "func":
			f, ok := p.Scope().Lookup(l.name).(*types.Func)
			if !ok {
				st.how = "missing"
				break
			}
			if got := apiSignature(f.Type().(*types.Signature), p); got != l.sig {
				st.diff = got
			}
		case "method":
			recv, name, _ := strings.Cut(l.name, ".")
			ptr := strings.HasPrefix(recv, "*")
			recv, _, _ = strings.Cut(strings.TrimPrefix(recv, "*"), "[")
			tn, ok := p.Scope().Lookup(recv).(*types.TypeName)
			if !ok {
				st.how = "missing"
				break
			}
			if mp, ok := modern.Lookup(l.pkg); ok && mp.Has(recv) {
				st.how = "interpreted"
			}
			var rt types.Type = tn.Type()
			if ptr {
				rt = types.NewPointer(rt)
			}
			obj, _, _ := types.LookupFieldOrMethod(rt, true, p, name)
			m, ok := obj.(*types.Func)
			if !ok {
				st.how = "missing"
				break
			}
			if got := apiSignature(m.Type().(*types.Signature), p); got != l.sig {
				st.diff = got
			}
		default:
			if p.Scope().Lookup(l.name) == nil {
				st.how = "missing"
			}
		}
		status[l.pkg+"."+l.name] = st
	}
	return status, lines
}

// apiSignature writes a signature as Go's api files do: types only, type parameters as $0, $1
// with their constraints, byte and rune as uint8 and int32.
func apiSignature(sig *types.Signature, pkg *types.Package) string {
	tparams := map[*types.TypeParam]string{}
	var b strings.Builder
	if rp := sig.RecvTypeParams(); rp != nil { // a method of a generic type: (*Pointer[$0])
		for i := range rp.Len() {
			tparams[rp.At(i)] = fmt.Sprintf("$%d", i)
		}
	}
	if tp := sig.TypeParams(); tp != nil && tp.Len() > 0 {
		for i := range tp.Len() {
			tparams[tp.At(i)] = fmt.Sprintf("$%d", i)
		}
		b.WriteString("[")
		for i := range tp.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tparams[tp.At(i)] + " " + apiConstraint(tp.At(i).Constraint(), tparams, pkg))
		}
		b.WriteString("]")
	}
	b.WriteString(apiFunc(sig, tparams, pkg))
	return b.String()
}

func apiFunc(sig *types.Signature, tparams map[*types.TypeParam]string, pkg *types.Package) string {
	var b strings.Builder
	b.WriteString("(")
	for i := range sig.Params().Len() {
		if i > 0 {
			b.WriteString(", ")
		}
		t := sig.Params().At(i).Type()
		if sig.Variadic() && i == sig.Params().Len()-1 {
			b.WriteString("...")
			t = t.(*types.Slice).Elem()
		}
		b.WriteString(apiType(t, tparams, pkg))
	}
	b.WriteString(")")
	switch n := sig.Results().Len(); {
	case n == 1:
		b.WriteString(" " + apiType(sig.Results().At(0).Type(), tparams, pkg))
	case n > 1:
		var rs []string
		for i := range n {
			rs = append(rs, apiType(sig.Results().At(i).Type(), tparams, pkg))
		}
		b.WriteString(" (" + strings.Join(rs, ", ") + ")")
	}
	return b.String()
}

func apiConstraint(c types.Type, tparams map[*types.TypeParam]string, pkg *types.Package) string {
	if it, ok := c.(*types.Interface); ok && it.IsImplicit() {
		return "interface{ " + apiType(it.EmbeddedType(0), tparams, pkg) + " }"
	}
	return apiType(c, tparams, pkg)
}

func apiType(t types.Type, tparams map[*types.TypeParam]string, pkg *types.Package) string {
	switch t := t.(type) {
	case *types.TypeParam:
		if s, ok := tparams[t]; ok {
			return s
		}
	case *types.Signature:
		return "func" + apiFunc(t, tparams, pkg)
	case *types.Union:
		var terms []string
		for i := range t.Len() {
			term := apiType(t.Term(i).Type(), tparams, pkg)
			if t.Term(i).Tilde() {
				term = "~" + term
			}
			terms = append(terms, term)
		}
		return strings.Join(terms, " | ")
	case *types.Slice:
		return "[]" + apiType(t.Elem(), tparams, pkg)
	case *types.Pointer:
		return "*" + apiType(t.Elem(), tparams, pkg)
	case *types.Map:
		return "map[" + apiType(t.Key(), tparams, pkg) + "]" + apiType(t.Elem(), tparams, pkg)
	case *types.Named:
		name := t.Obj().Name()
		if p := t.Obj().Pkg(); p != nil && p.Path() != pkg.Path() && p.Name() != pkg.Name() {
			name = p.Name() + "." + name
		}
		if args := t.TypeArgs(); args.Len() > 0 {
			var as []string
			for i := range args.Len() {
				as = append(as, apiType(args.At(i), tparams, pkg))
			}
			name += "[" + strings.Join(as, ", ") + "]"
		}
		return name
	case *types.Alias:
		return apiType(types.Unalias(t), tparams, pkg)
	case *types.Basic:
		switch t.Kind() {
		case types.Byte:
			return "uint8"
		case types.Rune:
			return "int32"
		}
	case *types.Interface:
		if t.Empty() {
			return "interface{}"
		}
	}
	return types.TypeString(t, func(p *types.Package) string {
		if p.Path() == pkg.Path() {
			return ""
		}
		return p.Name()
	})
}

// apiSection is the section of docs/go-support.md on the API of apiPackages.
func apiSection(t *testing.T) string {
	status, lines := apiTable(t)
	type row struct {
		interpreted []string
		native      int
		missing     []string
	}
	rows := map[string]*row{}
	for _, l := range lines {
		r := rows[l.pkg]
		if r == nil {
			r = &row{}
			rows[l.pkg] = r
		}
		switch st := status[l.pkg+"."+l.name]; {
		case st.how == "missing" || st.diff != "":
			r.missing = append(r.missing, l.name)
		case st.how == "interpreted" && l.kind == "method":
			// counted with its type
		case st.how == "interpreted":
			r.interpreted = append(r.interpreted, l.name)
		default:
			r.native++
		}
	}
	var b strings.Builder
	b.WriteString("\n## The Go 1.26 API of the packages of modern Go\n\n")
	b.WriteString("Generated from Go's api files (GOROOT/api) by the same test, which fails when a func, type,\n")
	b.WriteString("var, const or method is missing or has another signature than Go's. *Native*: the\n")
	b.WriteString("interpreter's symbol table has it (Go 1.22's, plus the newer non-generic names the kernel\n")
	b.WriteString("adds); *interpreted*: the kernel's own source of it (eval/internal/modern), methods\n")
	b.WriteString("with their type. errors.As is native, and interpreted for a target of a type the cell\n")
	b.WriteString("compiler knows.\n\n")
	b.WriteString("| package | interpreted | native | missing |\n|---|---|---|---|\n")
	for _, p := range apiPackages {
		r := rows[p]
		if r == nil {
			continue
		}
		sort.Strings(r.interpreted)
		missing := "none"
		if len(r.missing) > 0 {
			missing = strings.Join(r.missing, ", ")
		}
		interp := "none"
		if len(r.interpreted) > 0 {
			interp = strings.Join(r.interpreted, ", ")
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s |\n", p, interp, r.native, missing)
	}
	return b.String()
}
