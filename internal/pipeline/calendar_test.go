package pipeline

import (
	"slices"
	"testing"
	"time"
)

func TestDayStart(t *testing.T) {
	santiago := mustLoc("America/Santiago") // clocks jump from 00:00 to 01:00 on 7 September 2025
	tests := []struct {
		y        int
		m        time.Month
		d        int
		loc      *time.Location
		want     string
		wantHour int
	}{
		{2026, 3, 29, berlin, "2026-03-29", 0},
		{2026, 13, 1, berlin, "2027-01-01", 0},
		{2026, 2, 29, time.UTC, "2026-03-01", 0},
		{2025, 9, 7, santiago, "2025-09-07", 1},
	}
	for _, tt := range tests {
		got := DayStart(tt.y, tt.m, tt.d, tt.loc)
		if got.Format(time.DateOnly) != tt.want || got.Hour() != tt.wantHour {
			t.Errorf("DayStart(%d, %d, %d, %v) = %v", tt.y, tt.m, tt.d, tt.loc, got)
		}
		if got.Add(-time.Nanosecond).Format(time.DateOnly) == got.Format(time.DateOnly) {
			t.Errorf("DayStart(%d, %d, %d) = %v is not the first instant", tt.y, tt.m, tt.d, got)
		}
	}
}

func TestRadixSort(t *testing.T) {
	for _, n := range []int{0, 1, 511, 512, 5000} {
		v := make([]int32, n)
		for i := range v {
			v[i] = int32((i*7919 + 13) % 100003)
			if i%5 == 0 {
				v[i] = int32(i%2048) << 20 // exercise the high bytes
			}
			if i%7 == 0 {
				v[i] = 2147483647
			}
		}
		w := slices.Clone(v)
		slices.Sort(w)
		radixSort(v)
		if !slices.Equal(v, w) {
			t.Fatalf("n=%d: radix sort differs", n)
		}
	}
}
