package display

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"html"
	"math"
	"strings"
	"unicode/utf8"
)

// maxText is the most runes of text kept when HTML or an SVG is described
// as text.
const maxText = 300

// svgText describes an SVG document: "<SVG 400x200: its title>", from its
// width, height (or viewBox) and first <title>; "<SVG>" when it doesn't
// parse.
func svgText(s string) string {
	d := xml.NewDecoder(strings.NewReader(s))
	var size, title string
	inTitle := false
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			switch {
			case tok.Name.Local == "svg" && size == "":
				size = svgSize(tok.Attr)
			case tok.Name.Local == "title" && title == "":
				inTitle = true
			}
		case xml.CharData:
			if inTitle {
				title += string(tok)
			}
		case xml.EndElement:
			if inTitle {
				inTitle = false
				if title = collapse(title); title == "" {
					title = " " // an empty title: look no further
				}
			}
		}
		if title != "" && !inTitle {
			break
		}
	}
	text := "<SVG"
	if size != "" {
		text += " " + size
	}
	if t := strings.TrimSpace(title); t != "" {
		text += ": " + t
	}
	return text + ">"
}

// svgSize returns "WxH" from an svg element's width and height, else its
// viewBox; "" when it has neither.
func svgSize(attrs []xml.Attr) string {
	var w, h, box string
	for _, a := range attrs {
		switch a.Name.Local {
		case "width":
			w = a.Value
		case "height":
			h = a.Value
		case "viewBox":
			box = a.Value
		}
	}
	if w != "" && h != "" {
		return strings.TrimSuffix(w, "px") + "x" + strings.TrimSuffix(h, "px")
	}
	if f := strings.Fields(strings.ReplaceAll(box, ",", " ")); len(f) == 4 {
		return f[2] + "x" + f[3]
	}
	return ""
}

// htmlText returns the text of an HTML fragment, as a reader would see it
// without the markup: tags, scripts and styles dropped, entities decoded,
// spaces collapsed, at most maxText runes; "<HTML>" when that leaves
// nothing.
func htmlText(s string) string {
	var b strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		end := strings.IndexByte(s, '>')
		if end < 0 {
			break
		}
		tag := strings.ToLower(s[1:end])
		s = s[end+1:]
		for _, skip := range []string{"script", "style"} {
			if tag == skip || strings.HasPrefix(tag, skip+" ") {
				if j := strings.Index(strings.ToLower(s), "</"+skip); j >= 0 {
					s = s[j:]
				} else {
					s = ""
				}
			}
		}
		if name := strings.Fields(strings.TrimPrefix(tag, "/") + " "); len(name) > 0 {
			switch strings.TrimSuffix(name[0], "/") {
			case "br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th":
				b.WriteString(" ")
			}
		}
	}
	text := collapse(html.UnescapeString(b.String()))
	if text == "" {
		return "<HTML>"
	}
	if utf8.RuneCountInString(text) > maxText {
		text = string([]rune(text)[:maxText-1]) + "…"
	}
	return text
}

// collapse trims s and turns each run of white space into one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// svgImg returns an HTML <img> that shows an SVG document. A browser runs
// no script of an SVG shown this way, nor follows its links or shows its
// tooltips; JupyterLab's sanitizer keeps it (it allows img with src, alt
// and style, and does not check src's scheme).
func svgImg(svg, alt string) string {
	return fmt.Sprintf(`<img src="data:image/svg+xml;base64,%s" alt="%s" style="max-width:100%%">`,
		base64.StdEncoding.EncodeToString([]byte(svg)), html.EscapeString(alt))
}

// cssPixelsPerMetre is the pixel density of an image shown one pixel to a
// CSS pixel: 96 per inch.
const cssPixelsPerMetre = 96 / 0.0254

// Metadata returns the metadata to send with bundle b, never nil. For a
// PNG whose pHYs chunk says it has more pixels than CSS pixels (a picture
// drawn at twice the size, to be sharp on high-density screens), it gives
// the width and height to show it at, in CSS pixels, as Jupyter front ends
// read them.
func Metadata(b Bundle) map[string]any {
	md := map[string]any{}
	data, ok := b[MIMEPNG].(string)
	if !ok {
		return md
	}
	// IHDR comes first and pHYs before the image data: the start of the
	// file is enough.
	head, _ := base64.StdEncoding.DecodeString(data[:min(len(data), 4*256)])
	w, h, ppm, ok := pngDensity(head)
	if !ok || ppm < cssPixelsPerMetre*1.05 {
		return md
	}
	scale := ppm / cssPixelsPerMetre
	md[MIMEPNG] = map[string]any{
		"width":  int(math.Round(float64(w) / scale)),
		"height": int(math.Round(float64(h) / scale)),
	}
	return md
}

// pngDensity reads the size and the pixels per metre (x) of a PNG from the
// start of its data.
func pngDensity(data []byte) (w, h int, ppm float64, ok bool) {
	const sig = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(data, []byte(sig)) {
		return 0, 0, 0, false
	}
	data = data[len(sig):]
	for len(data) >= 8 {
		n := int(binary.BigEndian.Uint32(data))
		kind := string(data[4:8])
		if n < 0 || len(data) < 8+n {
			return 0, 0, 0, false
		}
		body := data[8 : 8+n]
		switch kind {
		case "IHDR":
			if n >= 8 {
				w, h = int(binary.BigEndian.Uint32(body)), int(binary.BigEndian.Uint32(body[4:]))
			}
		case "pHYs":
			if n == 9 && body[8] == 1 && w > 0 {
				return w, h, float64(binary.BigEndian.Uint32(body)), true
			}
			return 0, 0, 0, false
		case "IDAT":
			return 0, 0, 0, false
		}
		if len(data) < 12+n {
			break
		}
		data = data[12+n:]
	}
	return 0, 0, 0, false
}
