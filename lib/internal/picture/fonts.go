package picture

import (
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// FontsEnv names the environment variable that lists font files (separated
// as in PATH) tried, before the usual places, for characters the Go fonts
// lack.
const FontsEnv = "GOKERNEL_FONTS"

// FallbackFonts are the font files tried, in order, for characters the Go
// fonts lack (Hangul, CJK, most symbols): Korean first, for the Korean
// lessons. Debian's fonts-nanum, fonts-noto-cjk and fonts-dejavu-core put
// theirs here; macOS has the last two.
var FallbackFonts = []string{
	"/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	"/System/Library/Fonts/AppleSDGothicNeo.ttc",
	"/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
}

// Fonts draws and measures text: with the Go fonts (embedded, so Latin,
// Greek and Cyrillic text draws the same on every machine), and, for a
// character they lack, the first fallback font file that has it. Fallback
// files are read only when a character needs them. A character no font
// has is drawn as an empty box, and [Fonts.Missing] names it, so the
// picture's text can say what the PNG could not draw.
//
// The Go fonts are embedded rather than a Korean font: NanumGothic is 4.7
// MB, more than a fifth of the kernel's binary, while the Go fonts add
// about 300 kB.
//
// A Fonts is safe for concurrent use.
type Fonts struct {
	regular, bold *sfnt.Font
	fallbacks     []*fallback
}

// fallback is a font file read on first use.
type fallback struct {
	path string
	once sync.Once
	font *sfnt.Font // nil when the file is missing or unreadable
}

func (f *fallback) get() *sfnt.Font {
	f.once.Do(func() {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return
		}
		if strings.EqualFold(filepath.Ext(f.path), ".ttc") {
			c, err := sfnt.ParseCollection(data)
			if err != nil || c.NumFonts() == 0 {
				return
			}
			f.font, _ = c.Font(0) // a nil font on error: the file is skipped
			return
		}
		f.font, _ = sfnt.Parse(data)
	})
	return f.font
}

// NewFonts returns the Go fonts with the fallback font files paths.
func NewFonts(paths ...string) *Fonts {
	regular, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		panic("picture: the embedded Go font: " + err.Error())
	}
	bold, err := sfnt.Parse(gobold.TTF)
	if err != nil {
		panic("picture: the embedded Go font: " + err.Error())
	}
	f := &Fonts{regular: regular, bold: bold}
	for _, p := range paths {
		if p != "" {
			f.fallbacks = append(f.fallbacks, &fallback{path: p})
		}
	}
	return f
}

// DefaultFonts returns the process's fonts: the Go fonts, then the files
// in $GOKERNEL_FONTS, then [FallbackFonts].
var DefaultFonts = sync.OnceValue(func() *Fonts {
	return NewFonts(append(filepath.SplitList(os.Getenv(FontsEnv)), FallbackFonts...)...)
})

// fontFor returns the font that draws r: the Go font, else the first
// fallback that has r; nil when none has it.
func (f *Fonts) fontFor(r rune, bold bool, buf *sfnt.Buffer) *sfnt.Font {
	main := f.regular
	if bold {
		main = f.bold
	}
	if has(main, r, buf) {
		return main
	}
	for _, fb := range f.fallbacks {
		if font := fb.get(); font != nil && has(font, r, buf) {
			return font
		}
	}
	return nil
}

func has(f *sfnt.Font, r rune, buf *sfnt.Buffer) bool {
	i, err := f.GlyphIndex(buf, r)
	return err == nil && i != 0
}

// Missing returns the characters of s, each once, that no font can draw.
// Spaces and control characters are never missing.
func (f *Fonts) Missing(s string) []rune {
	var buf sfnt.Buffer
	var out []rune
	for _, r := range s {
		if r <= ' ' || r == 0xa0 || containsRune(out, r) {
			continue
		}
		if f.fontFor(r, false, &buf) == nil {
			out = append(out, r)
		}
	}
	return out
}

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// Width returns the advance width of s at size px.
func (f *Fonts) Width(s string, size float64, bold bool) float64 {
	t := f.newTypesetter(size, bold)
	defer t.close()
	return t.width(s)
}

// Fit returns s, shortened with an ellipsis if needed so that it is at most
// width px wide at size px.
func (f *Fonts) Fit(s string, width, size float64, bold bool) string {
	if f.Width(s, size, bold) <= width {
		return s
	}
	r := []rune(s)
	for n := len(r) - 1; n > 0; n-- {
		if t := string(r[:n]) + "…"; f.Width(t, size, bold) <= width {
			return t
		}
	}
	return "…"
}

// typesetter holds the faces of one size, for one drawing or measurement;
// faces are not safe for concurrent use, the fonts under them are.
type typesetter struct {
	fonts *Fonts
	size  float64
	bold  bool
	buf   sfnt.Buffer
	faces map[*sfnt.Font]font.Face
}

func (f *Fonts) newTypesetter(size float64, bold bool) *typesetter {
	return &typesetter{fonts: f, size: size, bold: bold, faces: map[*sfnt.Font]font.Face{}}
}

// face returns the face that draws r; for a character no font has, the Go
// face, which draws its empty box.
func (t *typesetter) face(r rune) font.Face {
	f := t.fonts.fontFor(r, t.bold, &t.buf)
	if f == nil {
		f = t.fonts.regular
		if t.bold {
			f = t.fonts.bold
		}
	}
	face, ok := t.faces[f]
	if !ok {
		var err error
		face, err = opentype.NewFace(f, &opentype.FaceOptions{Size: t.size, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			panic("picture: a face of a parsed font: " + err.Error()) // only for a bad size or DPI
		}
		t.faces[f] = face
	}
	return face
}

// each calls fn for each character of s with its face and the kerning
// between it and the character before.
func (t *typesetter) each(s string, fn func(face font.Face, r rune, kern fixed.Int26_6)) {
	prev := rune(-1)
	var prevFace font.Face
	for _, r := range s {
		face := t.face(r)
		var kern fixed.Int26_6
		if face == prevFace && prev >= 0 {
			kern = face.Kern(prev, r)
		}
		fn(face, r, kern)
		prev, prevFace = r, face
	}
}

// width returns the advance width of s in pixels of the typesetter's size.
// A character no font has advances by the empty box drawn for it.
func (t *typesetter) width(s string) float64 {
	var w fixed.Int26_6
	t.each(s, func(face font.Face, r rune, kern fixed.Int26_6) {
		a, _ := face.GlyphAdvance(r)
		w += kern + a
	})
	return float64(w) / 64
}

func (t *typesetter) close() {
	for _, face := range t.faces {
		face.Close()
	}
}
