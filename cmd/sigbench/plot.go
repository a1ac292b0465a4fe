package main

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The charts are drawn with gonum.org/v1/plot: it renders both SVG and PNG with
// proper log axes and legends, and is maintained; its cost is a larger binary
// (fonts are embedded), which a benchmark tool can afford.

// ErrPlotFormat reports a --plot file name that is neither .svg nor .png.
var ErrPlotFormat = errors.New("-plot: file must end in .svg or .png")

// Chart size and the percentile axis's reach.
const (
	plotWidth  = 8 * vg.Inch
	plotHeight = 8 * vg.Inch
	// maxNines is how far right the percentile chart reaches: 99.999%.
	maxNines = 5
	// ninesStep spaces the points of the percentile curve on the nines axis.
	ninesStep = 0.05
)

// writePlot draws latency over time (top) and the latency percentile distribution
// (bottom) into path, as SVG or PNG by its extension.
func writePlot(path string, s *Summary) error {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".svg" && ext != ".png" {
		return ErrPlotFormat
	}
	top, err := timeChart(s)
	if err != nil {
		return err
	}
	bottom, err := percentileChart(s)
	if err != nil {
		return err
	}
	return writeFile(path, func(w io.Writer) error {
		return render(w, ext, [][]*plot.Plot{{top}, {bottom}})
	})
}

// render tiles the plots on one canvas and encodes it.
func render(w io.Writer, ext string, plots [][]*plot.Plot) error {
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadTop: vg.Points(8), PadBottom: vg.Points(8),
		PadLeft: vg.Points(8), PadRight: vg.Points(16), PadY: vg.Points(24)}
	var c vg.CanvasWriterTo
	var dc draw.Canvas
	if ext == ".svg" {
		sc := vgsvg.New(plotWidth, plotHeight)
		c, dc = sc, draw.New(sc)
	} else {
		ic := vgimg.New(plotWidth, plotHeight)
		dc = draw.New(ic)
		c = vgimg.PngCanvas{Canvas: ic}
	}
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	_, err := c.WriteTo(w)
	return err
}

// timeChart plots p50, p99 and max registration latency per interval.
func timeChart(s *Summary) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("registration latency over time (%s, %.0f reg/s)", s.Mode,
		s.RegistrationsPerSec)
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = "latency (µs, log)"
	p.Legend.Top = true
	drawn := false
	lines := []struct {
		name string
		val  func(Interval) float64
		c    color.RGBA
	}{
		{"p50", func(i Interval) float64 { return i.P50 }, color.RGBA{B: 200, A: 255}},
		{"p99", func(i Interval) float64 { return i.P99 }, color.RGBA{R: 220, G: 120, A: 255}},
		{"max", func(i Interval) float64 { return i.Max }, color.RGBA{R: 200, A: 255}},
	}
	for _, l := range lines {
		var xy plotter.XYs
		for _, iv := range s.Series {
			if iv.Count > 0 {
				xy = append(xy, plotter.XY{X: iv.AtSec, Y: math.Max(1, l.val(iv))})
			}
		}
		if len(xy) == 0 {
			continue
		}
		// Points as well as lines: a run shorter than one interval has one point.
		ln, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return nil, err
		}
		ln.Color, pts.Color, pts.Radius = l.c, l.c, vg.Points(1.5)
		p.Add(ln, pts)
		p.Legend.Add(l.name, ln)
		drawn = true
	}
	p.Add(plotter.NewGrid())
	logY(p, drawn)
	return p, nil
}

// percentileChart plots latency against percentile on a "nines" axis (50%, 90%,
// 99%, ... evenly spaced), for registrations and single transactions.
func percentileChart(s *Summary) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "latency by percentile"
	p.X.Label.Text = "percentile"
	p.Y.Label.Text = "latency (µs, log)"
	p.X.Tick.Marker = ninesTicks{}
	p.Legend.Top, p.Legend.Left = true, true
	drawn := false
	for _, c := range []struct {
		name string
		p    Percentiles
		c    color.RGBA
	}{
		{"registration", s.Registration, color.RGBA{B: 200, A: 255}},
		{"transaction", s.Transaction, color.RGBA{G: 150, A: 255}},
	} {
		if c.p.hist == nil || c.p.Count == 0 {
			continue
		}
		var xy plotter.XYs
		for n := 0.0; n <= maxNines+1e-9; n += ninesStep {
			q := 100 * (1 - math.Pow(10, -n))
			v := float64(c.p.hist.ValueAtQuantile(q)) / 1e3
			xy = append(xy, plotter.XY{X: n, Y: math.Max(1, v)})
		}
		ln, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		ln.Color = c.c
		p.Add(ln)
		p.Legend.Add(c.name, ln)
		drawn = true
	}
	p.Add(plotter.NewGrid())
	p.X.Min, p.X.Max = 0, maxNines
	logY(p, drawn)
	return p, nil
}

// logY puts the latency axis on a log scale with a range of at least one decade.
// A chart without data keeps its linear axis: a log axis needs a positive range.
func logY(p *plot.Plot, drawn bool) {
	if !drawn {
		return
	}
	p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, latencyTicks{}
	// A fifth of margin on a log axis keeps points off the frame.
	p.Y.Min = math.Max(p.Y.Min/1.2, 1)
	p.Y.Max = math.Max(p.Y.Max*1.2, 2*p.Y.Min)
}

// latencyTicks labels a log latency axis at 1, 2 and 5 times each power of ten,
// so even a range within one decade has labels to read.
type latencyTicks struct{}

// Ticks returns the 1-2-5 ticks between lo and hi (both positive).
func (latencyTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for dec := math.Pow(10, math.Floor(math.Log10(lo))); dec <= hi; dec *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if v := m * dec; v >= lo && v <= hi {
				ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
			}
		}
	}
	return ts
}

// ninesTicks labels the nines axis: x = -log10(1 - q).
type ninesTicks struct{}

// Ticks returns one labelled tick per nine.
func (ninesTicks) Ticks(lo, hi float64) []plot.Tick {
	labels := []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"}
	var ts []plot.Tick
	for i, l := range labels {
		if x := float64(i); x >= lo && x <= hi {
			ts = append(ts, plot.Tick{Value: x, Label: l})
		}
	}
	if lo <= math.Log10(2) && hi >= math.Log10(2) {
		ts = append(ts, plot.Tick{Value: math.Log10(2), Label: "50%"})
	}
	return ts
}
