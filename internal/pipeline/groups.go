package pipeline

import (
	"maps"
	"slices"
	"time"
)

// Accumulator is a streaming report: feed it every project once with its
// facts (see Engine.Evaluate or Batch), then read its result. Its memory
// grows with the number of groups, not with the number of projects, except
// where a report says so (exact percentiles keep one small sample per
// project and measure).
type Accumulator interface {
	Add(p *Project, f *Facts)
}

// Batch evaluates each project once and feeds it to several accumulators.
type Batch struct {
	e    *Engine
	accs []Accumulator
	f    Facts
}

// NewBatch returns a Batch feeding accs.
func NewBatch(e *Engine, accs ...Accumulator) *Batch {
	return &Batch{e: e, accs: accs}
}

// Add evaluates p and feeds it to every accumulator. It does not allocate
// beyond what the accumulators themselves need.
func (b *Batch) Add(p *Project) {
	b.e.Evaluate(p, &b.f)
	for _, a := range b.accs {
		a.Add(p, &b.f)
	}
}

// groups holds one accumulator state per group key, remembering the last
// group used because consecutive rows often share it.
type groups[T any] struct {
	m       map[Key]*T
	lastKey Key
	last    *T
	init    func() *T
}

func newGroups[T any](init func() *T) groups[T] {
	return groups[T]{m: make(map[Key]*T), init: init}
}

func (g *groups[T]) get(k Key) *T {
	if g.last != nil && k == g.lastKey {
		return g.last
	}
	t, ok := g.m[k]
	if !ok {
		t = g.init()
		g.m[k] = t
	}
	g.lastKey, g.last = k, t
	return t
}

// keys returns the group keys in ascending order.
func (g *groups[T]) keys() []Key {
	return slices.Sorted(maps.Keys(g.m))
}

// unixPeriod is a Period in Unix seconds for fast tests on stored times.
type unixPeriod struct {
	from, to       int64
	hasFrom, hasTo bool
}

func toUnixPeriod(p Period) unixPeriod {
	u := unixPeriod{hasFrom: !p.From.IsZero(), hasTo: !p.To.IsZero()}
	if u.hasFrom {
		u.from = ceilUnix(p.From)
	}
	if u.hasTo {
		u.to = ceilUnix(p.To)
	}
	return u
}

// ceilUnix rounds t up to a whole second, so that a time stored in whole
// seconds is at or after t exactly when it is at or after the result.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

func (u unixPeriod) contains(s int64) bool {
	return (!u.hasFrom || s >= u.from) && (!u.hasTo || s < u.to)
}
