package server

import (
	"encoding/binary"
	"errors"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/alexedwards/scs/v2"
)

// sessionCodec encodes the session's few values (ints, int64s and strings) in a
// compact binary form. scs's default, gob, compiles a decoder for every
// request's session: a tenth of the CPU of a page. Sessions written by gob
// (before this codec, or holding another type) are still read and written
// with it.
type sessionCodec struct{ gob scs.GobCodec }

// sessionMagic starts every session this codec writes. A gob stream never
// starts with it: 0xff announces a one-byte length, which gob writes only
// for lengths of 128 and more, and 'P' is 80.
const sessionMagic = "\xffPW1"

func (c sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	b := make([]byte, 0, 64)
	b = append(b, sessionMagic...)
	b = binary.AppendVarint(b, deadline.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(values)))
	// Keys in order: the same values encode to the same bytes, which is how
	// the store tells an unchanged session from a changed one.
	for _, k := range slices.Sorted(maps.Keys(values)) {
		v := values[k]
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		switch v := v.(type) {
		case int64:
			b = append(b, 'i')
			b = binary.AppendVarint(b, v)
		case int:
			b = append(b, 'n')
			b = binary.AppendVarint(b, int64(v))
		case string:
			b = append(b, 's')
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		default:
			return c.gob.Encode(deadline, values)
		}
	}
	return b, nil
}

var errSessionData = errors.New("malformed session data")

func (c sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if len(b) < len(sessionMagic) || string(b[:len(sessionMagic)]) != sessionMagic {
		return c.gob.Decode(b)
	}
	b = b[len(sessionMagic):]
	ns, n := binary.Varint(b)
	if n <= 0 {
		return time.Time{}, nil, errSessionData
	}
	b = b[n:]
	count, n := binary.Uvarint(b)
	if n <= 0 || count > math.MaxInt16 {
		return time.Time{}, nil, errSessionData
	}
	b = b[n:]
	values := make(map[string]any, count)
	str := func() (string, bool) {
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return "", false
		}
		s := string(b[n : n+int(l)])
		b = b[n+int(l):]
		return s, true
	}
	for range count {
		k, ok := str()
		if !ok || len(b) == 0 {
			return time.Time{}, nil, errSessionData
		}
		kind := b[0]
		b = b[1:]
		switch kind {
		case 'i':
			v, n := binary.Varint(b)
			if n <= 0 {
				return time.Time{}, nil, errSessionData
			}
			b = b[n:]
			values[k] = v
		case 'n':
			v, n := binary.Varint(b)
			if n <= 0 || v != int64(int(v)) {
				return time.Time{}, nil, errSessionData
			}
			b = b[n:]
			values[k] = int(v)
		case 's':
			v, ok := str()
			if !ok {
				return time.Time{}, nil, errSessionData
			}
			values[k] = v
		default:
			return time.Time{}, nil, errSessionData
		}
	}
	if len(b) != 0 {
		return time.Time{}, nil, errSessionData
	}
	return time.Unix(0, ns), values, nil
}
