package web

import (
	"context"
	"strconv"
	"strings"
)

// Waterfall is an inline SVG waterfall chart: a first and a last bar
// standing on the axis (the totals) and, between them, one floating bar
// per change, rising for what adds and falling for what takes away, each
// starting where the previous one ended. The table beside it is its
// accessible alternative.
type Waterfall struct {
	Title  string // catalog key
	YLabel string // catalog key
	Bars   []WaterfallBar
}

// WaterfallBar is one bar: a total (from zero) or a signed change, in cents.
type WaterfallBar struct {
	Label string
	// Short is the name under the axis ("" for Label); words after the
	// first go on a second line.
	Short string
	Value int64
	Total bool
	URL   string // the projects behind it
}

// waterfallBar is one bar, placed, with the connector to the next.
type waterfallBar struct {
	X, Y, W, H float64
	Class      string // total, up or down
	Value      int64
	Label      string
	Lines      []string // the label under the axis, one or two lines
	URL        string
	LabelY     float64 // where the value label sits
	NextY      float64 // the level the connector to the next bar runs at; < 0 for none
}

// waterfallLayout is a Waterfall placed on the chart canvas.
type waterfallLayout struct {
	Bars  []waterfallBar
	Ticks []chartTick
	Zero  float64 // the y of the value 0
}

// layout places the bars on a scale that holds every running total.
func (w Waterfall) layout() waterfallLayout {
	var l waterfallLayout
	lo, hi := int64(0), int64(0)
	run := int64(0)
	for _, b := range w.Bars {
		if b.Total {
			run = b.Value
		} else {
			run += b.Value
		}
		lo, hi = min(lo, run), max(hi, run)
	}
	hi = niceCeil(hi)
	if lo < 0 {
		lo = -niceCeil(-lo)
	}
	span := float64(hi - lo)
	y := func(v int64) float64 { return chartTop + float64(chartPlotH)*(float64(hi-v)/span) }
	n := len(w.Bars)
	if n == 0 {
		return l
	}
	slot := float64(chartPlotW) / float64(n)
	bw := slot * (1 - chartGroupGap)
	run = 0
	for i, b := range w.Bars {
		from, to := run, run+b.Value
		class := "up"
		if b.Total {
			from, to, class = 0, b.Value, "total"
		} else if b.Value < 0 {
			class = "down"
		}
		run = to
		top, bottom := y(max(from, to)), y(min(from, to))
		wb := waterfallBar{X: float64(chartLeft) + slot*float64(i) + (slot-bw)/2, Y: top, W: bw, H: max(bottom-top, 1),
			Class: class, Value: b.Value, Label: b.Label, Lines: axisLines(b), URL: b.URL, LabelY: top - 4, NextY: -1}
		if class == "down" {
			wb.LabelY = bottom + 12
		}
		if i+1 < n {
			wb.NextY = y(to)
		}
		l.Bars = append(l.Bars, wb)
	}
	for i := 0; i <= chartTicks; i++ {
		v := lo + (hi-lo)*int64(i)/chartTicks
		l.Ticks = append(l.Ticks, chartTick{Y: y(v), Value: v})
	}
	l.Zero = y(0)
	return l
}

// axisLines splits a bar's short name into at most two lines at its first space.
func axisLines(b WaterfallBar) []string {
	s := b.Short
	if s == "" {
		s = b.Label
	}
	if first, rest, ok := strings.Cut(s, " "); ok {
		return []string{shorten(first, 12), shorten(rest, 12)}
	}
	return []string{shorten(s, 12)}
}

// waterfallShort is a bar's value for its label: signed for a change,
// nothing for a change of zero.
func waterfallShort(ctx context.Context, b waterfallBar) string {
	if b.Value == 0 && b.Class != "total" {
		return ""
	}
	s := chartShort(ctx, BarChart{Money: true}, abs64(b.Value))
	switch {
	case b.Class == "total":
		return s
	case b.Value < 0:
		return "−" + s
	}
	return "+" + s
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// itoa is strconv.Itoa, for the chart's constants.
func itoa(n int) string { return strconv.Itoa(n) }

// valueKey names the list's value column.
func (v DrillView) valueKey() string {
	if v.ValueKey != "" {
		return v.ValueKey
	}
	return "reports.col.value"
}
