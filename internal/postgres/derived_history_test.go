package postgres

import (
	"slices"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/pipeline"
)

func TestHistoryRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 30, 15, 123456000, time.UTC)
	for _, p := range []pipeline.Project{
		{},
		{Completions: []pipeline.Completion{{MilestoneID: 7, At: at}}},
		{
			Completions: []pipeline.Completion{{MilestoneID: 900000, At: at.Add(48 * time.Hour)}, {MilestoneID: 3, At: at},
				{MilestoneID: 3, At: time.Date(1969, 12, 31, 23, 0, 0, 1000, time.UTC)}},
			Skipped: []int64{12, 5},
		},
	} {
		b := encodeHistory(nil, &p)
		var got pipeline.Project
		if err := decodeHistory(b, &got); err != nil {
			t.Fatalf("decode %x: %v", b, err)
		}
		want := slices.Clone(p.Completions)
		slices.SortFunc(want, func(a, b pipeline.Completion) int {
			if a.MilestoneID != b.MilestoneID {
				return int(a.MilestoneID - b.MilestoneID)
			}
			return a.At.Compare(b.At)
		})
		if len(got.Completions) != len(want) {
			t.Fatalf("completions %v, want %v", got.Completions, want)
		}
		for i := range want {
			if got.Completions[i].MilestoneID != want[i].MilestoneID || !got.Completions[i].At.Equal(want[i].At) {
				t.Errorf("completion %d: %v, want %v", i, got.Completions[i], want[i])
			}
		}
		skips := slices.Sorted(slices.Values(p.Skipped))
		if !slices.Equal(got.Skipped, skips) && len(skips)+len(got.Skipped) > 0 {
			t.Errorf("skipped %v, want %v", got.Skipped, skips)
		}
		// One history, one encoding: the order the rows were read in does
		// not matter.
		slices.Reverse(p.Completions)
		slices.Reverse(p.Skipped)
		if again := encodeHistory(nil, &p); !slices.Equal(again, b) {
			t.Errorf("encoding depends on the order: %x and %x", b, again)
		}
	}
}

func FuzzDecodeHistory(f *testing.F) {
	p := pipeline.Project{Completions: []pipeline.Completion{{MilestoneID: 3, At: time.Unix(1700000000, 0)}}, Skipped: []int64{4}}
	f.Add(encodeHistory(nil, &p))
	f.Add([]byte{})
	f.Add([]byte{1, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var got pipeline.Project
		if decodeHistory(b, &got) != nil {
			return
		}
		// What decodes encodes back to the same bytes when it was sorted.
		if again := encodeHistory(nil, &got); len(again) > len(b)+1 {
			t.Errorf("%x decoded to %v, encoded as %x", b, got, again)
		}
	})
}
