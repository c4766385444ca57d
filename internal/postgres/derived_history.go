package postgres

import (
	"cmp"
	"encoding/binary"
	"errors"
	"slices"
	"time"

	"github.com/pipewell/pipewell/internal/pipeline"
)

// A project's history is what the reports read of its milestones besides
// the project row: its completions (milestone and instant) and the
// milestones it skips. It is derived data: written with the project's other
// derived columns (projects.history) whenever its completions or skips
// change, from the same rows the engine derives from, so a report reads one
// row per project and no merge of completion rows.
//
// The encoding is a version byte (1), the number of completions, each
// completion as its milestone ID (unsigned varint) and its instant in Unix
// microseconds (signed varint), then the number of skipped milestones and
// their IDs. Completions are sorted by milestone and instant and skips by
// ID, so that one history has one encoding and an unchanged history is not
// written again.

const historyVersion = 1

var errHistory = errors.New("stored project history is not readable")

// encodeHistory appends the encoding of p's completions and skips to dst.
func encodeHistory(dst []byte, p *pipeline.Project) []byte {
	comps := slices.Clone(p.Completions)
	slices.SortFunc(comps, func(a, b pipeline.Completion) int {
		return cmp.Or(cmp.Compare(a.MilestoneID, b.MilestoneID), a.At.Compare(b.At))
	})
	skips := slices.Clone(p.Skipped)
	slices.Sort(skips)
	dst = append(dst, historyVersion)
	dst = binary.AppendUvarint(dst, uint64(len(comps)))
	for _, c := range comps {
		dst = binary.AppendUvarint(dst, uint64(c.MilestoneID))
		dst = binary.AppendVarint(dst, c.At.UnixMicro())
	}
	dst = binary.AppendUvarint(dst, uint64(len(skips)))
	for _, id := range skips {
		dst = binary.AppendUvarint(dst, uint64(id))
	}
	return dst
}

// decodeHistory appends the completions and skips b holds to p's.
func decodeHistory(b []byte, p *pipeline.Project) error {
	if len(b) == 0 || b[0] != historyVersion {
		return errHistory
	}
	b = b[1:]
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	n, ok := next()
	if !ok || n > uint64(len(b)) {
		return errHistory
	}
	for range n {
		id, ok := next()
		if !ok {
			return errHistory
		}
		at, k := binary.Varint(b)
		if k <= 0 {
			return errHistory
		}
		b = b[k:]
		p.Completions = append(p.Completions, pipeline.Completion{MilestoneID: int64(id), At: time.UnixMicro(at)})
	}
	n, ok = next()
	if !ok || n > uint64(len(b)) {
		return errHistory
	}
	for range n {
		id, ok := next()
		if !ok {
			return errHistory
		}
		p.Skipped = append(p.Skipped, int64(id))
	}
	if len(b) != 0 {
		return errHistory
	}
	return nil
}
