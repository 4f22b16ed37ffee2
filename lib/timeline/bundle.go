package timeline

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/lib/display"
	"github.com/gokernel/gokernel/lib/internal/picture"
)

// rendered is a drawn picture and its text.
type rendered struct {
	pic  *picture.Picture
	text string
}

// png returns the picture as PNG data, nil when it is too tall for one.
func (r rendered) png() []byte {
	if s := scaleFor(r.pic.Height); s > 0 {
		return r.pic.PNG(s)
	}
	return nil
}

// bundle returns the MIME bundle of a drawn picture: the SVG for front
// ends that trust the notebook, the PNG for those that don't (JupyterLab
// shows no SVG of an untrusted notebook) and for code hosts, and the text.
func bundle(r rendered) display.Bundle {
	b := display.Bundle{display.MIMESVG: r.pic.SVG(), display.MIMEText: r.text}
	if png := r.png(); png != nil {
		b[display.MIMEPNG] = base64.StdEncoding.EncodeToString(png)
	} else {
		b[display.MIMEText] = r.text + fmt.Sprintf("\n(No PNG: the picture is %.0f px tall. A notebook JupyterLab doesn't trust shows this text instead; draw fewer lanes per timeline.)", r.pic.Height)
	}
	return b
}

// pictureTitle is the SVG's accessible title.
func (s snapshot) pictureTitle() string {
	return fmt.Sprintf("goroutine timeline: %d lanes, %s", len(s.lanes), s.caption())
}

// messageCaption adds the message count to the caption, when there are
// messages.
func (s snapshot) messageCaption() string {
	received, inFlight := s.messageCounts()
	var parts []string
	if received > 0 {
		parts = append(parts, plural(received, "message"))
	}
	if inFlight > 0 {
		parts = append(parts, fmt.Sprintf("%d still in a channel", inFlight))
	}
	if len(parts) == 0 {
		return ""
	}
	return " · " + strings.Join(parts, ", ")
}

// formatAxis formats an axis end in milliseconds.
func formatAxis(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// messageCounts returns how many values were received, and how many are
// still in a channel.
func (s snapshot) messageCounts() (received, inFlight int) {
	for _, m := range s.msgs {
		if m.To != "" {
			received++
		} else {
			inFlight++
		}
	}
	return received, inFlight
}
