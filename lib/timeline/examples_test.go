package timeline

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gokernel/gokernel/lib/internal/picture"
)

var (
	outDir       = flag.String("out", "", "write every example's SVG and PNG into this folder, to look at")
	updateImages = flag.Bool("update-images", false, "rewrite the README's example pictures in docs/images")
)

// The examples are recorded in synctest bubbles, so their times are exact
// and their pictures the same on every run.

// pingPong passes a ball back and forth on unbuffered channels, each side
// working a little before it sends the ball back.
func pingPong(t *testing.T) *Timeline {
	return recorded(t, func() *Timeline {
		tl := New()
		tl.SetTitle("ping-pong on unbuffered channels")
		ping, pong := tl.Lane("ping"), tl.Lane("pong")
		toPong, toPing := tl.Chan(0), tl.Chan(0)
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := 1; i <= 4; i++ {
				ping.Run(func() { time.Sleep(3 * time.Millisecond) })
				toPong.Send(ping, fmt.Sprintf("ball %d", i))
				toPing.Recv(ping)
			}
		})
		wg.Go(func() {
			for range 4 {
				b := toPong.Recv(pong)
				pong.Run(func() { time.Sleep(5 * time.Millisecond) })
				toPing.Send(pong, b)
			}
		})
		wg.Wait()
		return tl
	})
}

// fanIn has four workers send their results to main on one buffered
// channel.
func fanIn(t *testing.T) *Timeline {
	return recorded(t, func() *Timeline {
		tl := New()
		tl.SetTitle("fan-in: four workers, one channel (capacity 2)")
		results := tl.Chan(2)
		main := tl.Lane("main")
		var wg sync.WaitGroup
		for w := 1; w <= 4; w++ {
			lane := tl.Lane(fmt.Sprintf("worker %d", w))
			wg.Go(func() {
				for j := range 3 {
					lane.Run(func() { time.Sleep(time.Duration(2+w+j) * time.Millisecond) })
					results.Send(lane, w*10+j)
				}
			})
		}
		for range 12 {
			results.Recv(main)
			main.Run(func() { time.Sleep(time.Millisecond) })
		}
		wg.Wait()
		return tl
	})
}

// pipeline passes numbers through three stages: generate, square, print.
func pipeline(t *testing.T) *Timeline {
	return recorded(t, func() *Timeline {
		tl := New()
		tl.SetTitle("pipeline: generate → square → print")
		gen, sq, out := tl.Lane("generate"), tl.Lane("square"), tl.Lane("print")
		nums, squares := tl.Chan(0), tl.Chan(0)
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := 1; i <= 5; i++ {
				gen.Run(func() { time.Sleep(time.Millisecond) })
				nums.Send(gen, i)
			}
			nums.Close()
		})
		wg.Go(func() {
			for {
				v, ok := nums.RecvOK(sq)
				if !ok {
					squares.Close()
					return
				}
				sq.Run(func() { time.Sleep(3 * time.Millisecond) })
				squares.Send(sq, v.(int)*v.(int))
			}
		})
		wg.Go(func() {
			for {
				if _, ok := squares.RecvOK(out); !ok {
					return
				}
				out.Run(func() { time.Sleep(2 * time.Millisecond) })
			}
		})
		wg.Wait()
		return tl
	})
}

// hundredMessages sends 120 values from two producers to one consumer.
func hundredMessages(t *testing.T) *Timeline {
	return recorded(t, func() *Timeline {
		tl := New()
		c := tl.Chan(4)
		var wg sync.WaitGroup
		for p := 1; p <= 2; p++ {
			lane := tl.Lane(fmt.Sprintf("producer %d", p))
			wg.Go(func() {
				for i := range 60 {
					lane.Run(func() { time.Sleep(time.Duration(200+100*p) * time.Microsecond) })
					c.Send(lane, i)
				}
			})
		}
		consumer := tl.Lane("consumer")
		for range 120 {
			c.Recv(consumer)
			consumer.Run(func() { time.Sleep(150 * time.Microsecond) })
		}
		wg.Wait()
		return tl
	})
}

// work records three workers that spin for 20 ms each: side by side
// (parallel, GOMAXPROCS 3) or one after another (taking turns on one CPU).
func work(t *testing.T, title string, parallel bool) *Timeline {
	procs := 1
	if parallel {
		procs = 3
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	return recorded(t, func() *Timeline {
		tl := New()
		tl.SetTitle(title)
		t0 := time.Now()
		var wg sync.WaitGroup
		for i := 1; i <= 3; i++ {
			lane := tl.Lane(fmt.Sprintf("worker %d", i))
			wg.Go(func() {
				if parallel {
					lane.Run(func() { time.Sleep(20 * time.Millisecond) })
				} else {
					// Take turns in 5 ms slices: worker i runs in slices
					// i-1, i+2, i+5 and i+8.
					for s := range 4 {
						time.Sleep(time.Duration((3*s+i-1)*5)*time.Millisecond - time.Since(t0))
						lane.Run(func() { time.Sleep(5 * time.Millisecond) })
					}
				}
				lane.Sleep(5 * time.Millisecond)
				lane.Mark("done")
			})
		}
		wg.Wait()
		return tl
	})
}

// korean names its lanes and labels in Hangul.
func korean(t *testing.T) *Timeline {
	return recorded(t, func() *Timeline {
		tl := New()
		tl.SetTitle("한글 레인 이름")
		a, b := tl.Lane("작업자 1"), tl.Lane("작업자 2")
		c := tl.Chan(0)
		var wg sync.WaitGroup
		wg.Go(func() {
			a.Do(Running, "계산", func() { time.Sleep(8 * time.Millisecond) })
			c.Send(a, "결과")
		})
		wg.Go(func() {
			b.Sleep(2 * time.Millisecond)
			c.Recv(b)
			b.Mark("받음")
			b.Run(func() { time.Sleep(4 * time.Millisecond) })
		})
		wg.Wait()
		return tl
	})
}

// recorded runs record in a synctest bubble and stops its timeline there.
func recorded(t *testing.T, record func() *Timeline) *Timeline {
	t.Helper()
	var tl *Timeline
	synctest.Test(t, func(t *testing.T) {
		tl = record()
		tl.Stop()
	})
	return tl
}

// sharedAxis compares the same work on one CPU and on three.
func sharedAxis(t *testing.T) *Comparison {
	return Compare(work(t, "one CPU: taking turns", false), work(t, "three CPUs: side by side", true))
}

// TestExamplePictures draws every example, and with -out writes its SVG
// and PNG (and the PNG on a dark background) to look at; with
// -update-images it rewrites the README's pictures in docs/images.
func TestExamplePictures(t *testing.T) {
	type picturer interface {
		SVG() string
		PNG() []byte
		render(*picture.Fonts) rendered
	}
	examples := []struct {
		name   string
		make   func(*testing.T) picturer
		readme bool
	}{
		{"timeline-ping-pong", func(t *testing.T) picturer { return pingPong(t) }, true},
		{"timeline-fan-in", func(t *testing.T) picturer { return fanIn(t) }, true},
		{"timeline-pipeline", func(t *testing.T) picturer { return pipeline(t) }, true},
		{"timeline-shared-axis", func(t *testing.T) picturer { return sharedAxis(t) }, true},
		{"timeline-many-messages", func(t *testing.T) picturer { return hundredMessages(t) }, false},
		{"timeline-korean", func(t *testing.T) picturer { return korean(t) }, false},
	}
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			r := ex.make(t).render(picture.DefaultFonts())
			svg, png := r.pic.SVG(), r.png()
			parseSVG(t, svg)
			img := decodePNG(t, png)
			if got, want := img.Bounds().Dx(), width*pngScale; got != want {
				t.Errorf("PNG is %d px wide, want %d", got, want)
			}
			t.Logf("%s: SVG %d bytes, PNG %d bytes (%dx%d)", ex.name, len(svg), len(png), img.Bounds().Dx(), img.Bounds().Dy())
			if *outDir != "" {
				writeFile(t, filepath.Join(*outDir, ex.name+".svg"), []byte(svg))
				writeFile(t, filepath.Join(*outDir, ex.name+".png"), png)
				writeFile(t, filepath.Join(*outDir, ex.name+"-dark.png"), picture.Encode(onDark(img), pngScale))
			}
			if *updateImages && ex.readme {
				dir := filepath.Join("..", "..", "docs", "images")
				writeFile(t, filepath.Join(dir, ex.name+".png"), png)
				writeFile(t, filepath.Join(dir, ex.name+"-dark.png"), picture.Encode(onDark(img), pngScale))
			}
		})
	}
}

// onDark puts img on JupyterLab's dark theme background, with a margin.
func onDark(img image.Image) *image.RGBA {
	const margin = 24
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx()+2*margin, b.Dy()+2*margin))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.RGBA{0x11, 0x11, 0x11, 0xff}), image.Point{}, draw.Src)
	draw.Draw(out, b.Add(image.Pt(margin, margin)), img, b.Min, draw.Over)
	return out
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
