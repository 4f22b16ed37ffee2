package kernelspec

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/gokernel/gokernel/workerproto"
)

func TestInstall(t *testing.T) {
	t.Setenv("GOKERNEL_GO", "/opt/go/bin/go")
	dir, err := Where{Prefix: t.TempDir()}.Dir()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(filepath.Dir(dir)) != "kernels" || filepath.Base(dir) != Name {
		t.Fatalf("dir %s is not .../kernels/%s", dir, Name)
	}
	if err := Install(dir, "/opt/bin/gokernel"); err != nil {
		t.Fatal(err)
	}
	var spec Spec
	b, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	want := []string{"/opt/bin/gokernel", "run", "--connection-file", "{connection_file}"}
	if len(spec.Argv) != len(want) {
		t.Fatalf("argv %q, want %q", spec.Argv, want)
	}
	for i := range want {
		if spec.Argv[i] != want[i] {
			t.Fatalf("argv %q, want %q", spec.Argv, want)
		}
	}
	if spec.DisplayName != "Go (yaegi)" || spec.Language != "go" || spec.InterruptMode != "message" {
		t.Errorf("spec %+v", spec)
	}
	// The go command found at install time, for compiled cells when the kernel's PATH has none.
	if got := spec.Env[workerproto.InstalledGoEnv]; got != "/opt/go/bin/go" {
		t.Errorf("kernel.json env %v, want %s=/opt/go/bin/go", spec.Env, workerproto.InstalledGoEnv)
	}
	for _, size := range []int{32, 64} {
		f, err := os.Open(filepath.Join(dir, fmt.Sprintf("logo-%dx%d.png", size, size)))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
			t.Errorf("logo %d is %v", size, b)
		}
		// Opaque in the middle, transparent in the rounded corner.
		if _, _, _, a := img.At(size/2, size/2).RGBA(); a == 0 {
			t.Errorf("logo %d centre is transparent", size)
		}
		if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
			t.Errorf("logo %d corner is not transparent", size)
		}
	}
	svg, err := os.ReadFile(filepath.Join(dir, "logo-svg.svg"))
	if err != nil {
		t.Fatal(err)
	}
	var root struct {
		XMLName xml.Name
		ViewBox string `xml:"viewBox,attr"`
		Rects   []struct {
			Fill string `xml:"fill,attr"`
		} `xml:"rect"`
		Lanes struct {
			Rects   []struct{} `xml:"rect"`
			Circles []struct{} `xml:"circle"`
		} `xml:"g"`
	}
	if err := xml.Unmarshal(svg, &root); err != nil {
		t.Fatalf("logo-svg.svg: %v\n%s", err, svg)
	}
	if root.XMLName.Local != "svg" || root.ViewBox != "0 0 64 64" || len(root.Rects) != 1 || root.Rects[0].Fill != "#00ADD8" ||
		len(root.Lanes.Rects) != 2 || len(root.Lanes.Circles) != 2 {
		t.Errorf("logo-svg.svg is not the tile with two lanes: %s", svg)
	}
	// Installing again replaces the first install.
	if err := Install(dir, "/new/gokernel"); err != nil {
		t.Fatal(err)
	}
}

func TestUserDir(t *testing.T) {
	t.Setenv("JUPYTER_DATA_DIR", "/data/jupyter")
	dir, err := Where{User: true}.Dir()
	if err != nil || dir != "/data/jupyter/kernels/gokernel" {
		t.Errorf("Dir() = %q, %v", dir, err)
	}
	t.Setenv("JUPYTER_DATA_DIR", "")
	t.Setenv("XDG_DATA_HOME", "/xdg")
	if dir, _ := (Where{User: true}).Dir(); dir != "/xdg/jupyter/kernels/gokernel" {
		t.Errorf("Dir() = %q with XDG_DATA_HOME", dir)
	}
}
