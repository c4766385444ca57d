package pipeline

import (
	"math"
	"slices"
	"sort"
	"time"
)

// Durations are kept as int32 whole seconds (up to 68 years): 4 bytes per
// sample, which is what makes exact percentiles affordable.
func clampSeconds(d int64) int32 {
	if d < 0 {
		return 0
	}
	if d > math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(d)
}

// samples is one measure of one group: the durations in seconds and their sum.
type samples struct {
	v      []int32
	sum    int64
	sorted bool
}

func (s *samples) add(sec int32) {
	if len(s.v) == cap(s.v) {
		// Double (append grows large slices by only 1.25×): the number of
		// allocations grows with log2 of the samples, the copying stays
		// linear.
		v := make([]int32, len(s.v), max(64, 2*cap(s.v)))
		copy(v, s.v)
		s.v = v
	}
	s.v = append(s.v, sec)
	s.sum += int64(sec)
	s.sorted = false
}

func (s *samples) sort() {
	if !s.sorted {
		radixSort(s.v)
		s.sorted = true
	}
}

// radixSort sorts non-negative values in place: an LSD radix sort on bytes,
// skipping the bytes all values share (durations rarely use the top one).
// It is linear in len(v), which matters for step times over a million
// projects; short slices use the standard sort.
func radixSort(v []int32) {
	if len(v) < 512 {
		slices.Sort(v)
		return
	}
	buf := make([]int32, len(v))
	src, dst := v, buf
	for shift := uint(0); shift < 32; shift += 8 {
		var count [256]int
		for _, x := range src {
			count[byte(uint32(x)>>shift)]++
		}
		if count[byte(uint32(src[0])>>shift)] == len(src) {
			continue // every value has the same byte here
		}
		pos := 0
		for i, c := range count {
			count[i] = pos
			pos += c
		}
		for _, x := range src {
			b := byte(uint32(x) >> shift)
			dst[count[b]] = x
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &v[0] {
		copy(v, src)
	}
}

// Distribution summarises a set of durations. Every field is zero when
// Count is zero.
type Distribution struct {
	Count  int
	Mean   time.Duration // rounded to the second
	Median time.Duration // middle value; for an even count the exact mean of the two middle values (to the half second)
	P90    time.Duration // nearest rank: smallest value with at least 90 % of values at or below it
	Max    time.Duration
	// Above is how many values are strictly above P90 (the outliers).
	Above int
}

// distribution computes exact statistics over one or more sample sets
// without merging them: each set is sorted in place, and order statistics
// of the union are found by binary search over the value range.
func distribution(parts []*samples) Distribution {
	var n int
	var sum int64
	var maxV int32
	for _, p := range parts {
		if len(p.v) == 0 {
			continue
		}
		p.sort()
		n += len(p.v)
		sum += p.sum
		if m := p.v[len(p.v)-1]; m > maxV {
			maxV = m
		}
	}
	if n == 0 {
		return Distribution{}
	}
	kth := func(k int) int32 { // k-th smallest, 1-based
		lo, hi := int32(0), maxV
		for lo < hi {
			mid := lo + (hi-lo)/2
			if countAtMost(parts, mid) >= k {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		return lo
	}
	var median time.Duration
	if n%2 == 1 {
		median = time.Duration(kth((n+1)/2)) * time.Second
	} else {
		// Halved in nanoseconds, so half a second is kept exactly; two int32
		// seconds in nanoseconds are below 4.3e18, within int64.
		median = time.Duration(int64(kth(n/2))+int64(kth(n/2+1))) * time.Second / 2
	}
	p90 := kth((9*n + 9) / 10)
	return Distribution{
		Count:  n,
		Mean:   time.Duration(roundDiv(sum, int64(n))) * time.Second,
		Median: median,
		P90:    time.Duration(p90) * time.Second,
		Max:    time.Duration(maxV) * time.Second,
		Above:  n - countAtMost(parts, p90),
	}
}

// countAtMost counts the values ≤ v over sorted sets.
func countAtMost(parts []*samples, v int32) int {
	c := 0
	for _, p := range parts {
		c += sort.Search(len(p.v), func(i int) bool { return p.v[i] > v })
	}
	return c
}

// Outlier is a project whose duration for a measure is above its P90.
type Outlier struct {
	ProjectID int64
	Duration  time.Duration
}

// topK keeps the k longest durations seen, as a min-heap on duration (ties
// broken by the larger project ID so that the result is independent of the
// order projects are fed in).
type topK struct {
	k int
	h []outlierEntry
}

type outlierEntry struct {
	sec int32
	id  int64
}

func less(a, b outlierEntry) bool {
	if a.sec != b.sec {
		return a.sec < b.sec
	}
	return a.id > b.id
}

func (t *topK) add(e outlierEntry) {
	if t.k <= 0 {
		return
	}
	if len(t.h) < t.k {
		if t.h == nil {
			t.h = make([]outlierEntry, 0, t.k)
		}
		t.h = append(t.h, e)
		for i := len(t.h) - 1; i > 0; {
			parent := (i - 1) / 2
			if !less(t.h[i], t.h[parent]) {
				break
			}
			t.h[i], t.h[parent] = t.h[parent], t.h[i]
			i = parent
		}
		return
	}
	if !less(t.h[0], e) {
		return
	}
	t.h[0] = e
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(t.h) && less(t.h[l], t.h[m]) {
			m = l
		}
		if r < len(t.h) && less(t.h[r], t.h[m]) {
			m = r
		}
		if m == i {
			break
		}
		t.h[i], t.h[m] = t.h[m], t.h[i]
		i = m
	}
}

// outliers returns, longest first, at most k of the entries of the heaps
// whose duration is above p90.
func outliers(heaps []*topK, k int, p90 time.Duration) []Outlier {
	var all []outlierEntry
	for _, h := range heaps {
		all = append(all, h.h...)
	}
	slices.SortFunc(all, func(a, b outlierEntry) int {
		switch {
		case less(b, a):
			return -1
		case less(a, b):
			return 1
		}
		return 0
	})
	var out []Outlier
	for _, e := range all {
		d := time.Duration(e.sec) * time.Second
		if d <= p90 || len(out) == k {
			break
		}
		out = append(out, Outlier{ProjectID: e.id, Duration: d})
	}
	return out
}
