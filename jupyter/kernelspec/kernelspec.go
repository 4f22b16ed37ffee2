// Package kernelspec installs gokernel as a Jupyter kernelspec: a folder
// share/jupyter/kernels/gokernel with kernel.json and logos (PNG and SVG).
package kernelspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gokernel/gokernel/workerproto"
)

// Name is the kernelspec's folder name, which notebooks record.
const Name = "gokernel"

// DisplayName is what front ends show in their kernel menus.
const DisplayName = "Go (yaegi)"

// Spec is the content of kernel.json.
type Spec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env,omitempty"`
	Metadata      map[string]any    `json:"metadata,omitempty"`
}

// New returns the spec that starts the binary at exe.
func New(exe string) Spec {
	return Spec{
		Argv:          []string{exe, "run", "--connection-file", "{connection_file}"},
		DisplayName:   DisplayName,
		Language:      "go",
		InterruptMode: "message",
	}
}

// Where says which Jupyter data folder to install into.
type Where struct {
	User      bool   // the user's Jupyter data folder
	SysPrefix bool   // the prefix of the Python that runs Jupyter
	Prefix    string // share/jupyter under this folder
}

// Dir returns the kernelspec folder for w.
func (w Where) Dir() (string, error) {
	switch {
	case w.Prefix != "":
		abs, err := filepath.Abs(w.Prefix)
		if err != nil {
			return "", err
		}
		return filepath.Join(abs, "share", "jupyter", "kernels", Name), nil
	case w.SysPrefix:
		prefix, err := pythonPrefix()
		if err != nil {
			return "", err
		}
		return filepath.Join(prefix, "share", "jupyter", "kernels", Name), nil
	default:
		data, err := userDataDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(data, "kernels", Name), nil
	}
}

// userDataDir is Jupyter's user data folder, as jupyter_core finds it.
func userDataDir() (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "jupyter"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the Jupyter data folder: %w", err)
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

// pythonPrefix asks the Python that has Jupyter for sys.prefix.
func pythonPrefix() (string, error) {
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		out, err := exec.Command(py, "-c", "import jupyter_core, sys; print(sys.prefix)").Output()
		if err == nil {
			return strings.TrimSpace(string(out)), nil
		}
	}
	return "", errors.New("--sys-prefix: no python3 with Jupyter found on PATH")
}

// Install writes kernel.json and the logos for the binary exe into dir,
// replacing an earlier install. kernel.json records the go command found
// now ($GOKERNEL_GO, else go on the PATH), for compiled cells.
func Install(dir, exe string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("install kernelspec: %w", err)
	}
	spec := New(exe)
	if goCmd := findGo(); goCmd != "" {
		spec.Env = map[string]string{workerproto.InstalledGoEnv: goCmd}
	}
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "kernel.json"), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("install kernelspec: %w", err)
	}
	// JupyterLab's launcher prefers logo-svg.svg; Notebook 6 uses the PNGs.
	if err := os.WriteFile(filepath.Join(dir, "logo-svg.svg"), []byte(LogoSVG()), 0o644); err != nil {
		return fmt.Errorf("install kernelspec: %w", err)
	}
	for _, size := range []int{32, 64} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, Logo(size)); err != nil {
			return err
		}
		name := filepath.Join(dir, fmt.Sprintf("logo-%dx%d.png", size, size))
		if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("install kernelspec: %w", err)
		}
	}
	return nil
}

// findGo returns the go command a user means now, by its absolute path, or "".
func findGo() string {
	path := os.Getenv("GOKERNEL_GO")
	if path == "" {
		path, _ = exec.LookPath("go")
	}
	if path == "" {
		return ""
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	return abs
}

// Logo draws the kernel's logo: two goroutine "lanes" on Go's blue, a round
// token moving along each, antialiased at any size.
func Logo(size int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	blue := color.NRGBA{0x00, 0xAD, 0xD8, 0xFF}
	white := color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	s := float64(size)
	radius := s * 0.2 // corner radius of the tile
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			a := roundedRectCoverage(px, py, s, radius)
			if a == 0 {
				continue
			}
			c := blue
			// Two lanes with a token each, like a timeline of two goroutines.
			lane := func(cy, tokenX float64) float64 {
				bar := coverage(math.Abs(py-cy) - s*0.045)
				if px < s*0.18 || px > s*0.82 {
					bar = 0
				}
				dot := coverage(math.Hypot(px-tokenX, py-cy) - s*0.11)
				return math.Max(bar, dot)
			}
			w := math.Max(lane(s*0.36, s*0.36), lane(s*0.64, s*0.62))
			c = mix(c, white, w)
			c.A = uint8(a * 255)
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// LogoSVG is the drawing of Logo as SVG, on a 64-unit tile: the same fractions of the side.
func LogoSVG() string {
	const s = 64.0
	lane := func(cy, tokenX float64) string {
		return fmt.Sprintf(`<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f"/><circle cx="%.2f" cy="%.2f" r="%.2f"/>`,
			s*0.18, s*(cy-0.045), s*(0.82-0.18), s*0.09, s*tokenX, s*cy, s*0.11)
	}
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">`+
		`<title>%s</title><rect width="64" height="64" rx="%.2f" fill="#00ADD8"/><g fill="#FFFFFF">%s%s</g></svg>`+"\n",
		DisplayName, s*0.2, lane(0.36, 0.36), lane(0.64, 0.62))
}

// coverage turns a signed distance (negative inside) into pixel coverage.
func coverage(d float64) float64 {
	return math.Max(0, math.Min(1, 0.5-d))
}

func roundedRectCoverage(px, py, s, r float64) float64 {
	dx := math.Max(math.Max(r-px, px-(s-r)), 0)
	dy := math.Max(math.Max(r-py, py-(s-r)), 0)
	return coverage(math.Hypot(dx, dy) - r)
}

func mix(a, b color.NRGBA, t float64) color.NRGBA {
	m := func(x, y uint8) uint8 { return uint8(float64(x)*(1-t) + float64(y)*t + 0.5) }
	return color.NRGBA{m(a.R, b.R), m(a.G, b.G), m(a.B, b.B), 0xFF}
}
