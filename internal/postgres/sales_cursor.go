package postgres

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// SalesSort names a sortable column: a key of SalesSorts.
type SalesSort string

// sortColumn is a sortable column: the expression (indexed as (tenant_id,
// phase, expr, id)) and how its keyset value is written in a cursor.
type sortColumn struct {
	expr string
	kind byte // 't' time, 's' text, 'i' integer
}

// SalesSorts are the sortable columns of the Sales screen, the only values
// ORDER BY is ever built from.
var SalesSorts = map[SalesSort]sortColumn{
	"created":  {"p.created_at", 't'},
	"title":    {"p.title", 's'},
	"customer": {"p.customer_name", 's'},
	"owner":    {"p.owner_name", 's'},
	"last":     {"p.last_completed_at", 't'},
	"pending":  {"p.pending_due_at", 't'}, // the deferred view: p.deferred_due_at (SalesFilter.sortExpr)
	"status":   {"p.status_name", 's'},
	"value":    {"p.value_cents", 'i'},
}

// Cursor is a keyset position: the sort column's value and the ID of the
// last row shown. It travels in URLs as an opaque string (Encode).
type Cursor struct {
	Sort SalesSort
	Desc bool
	Key  any // time.Time, string or int64, matching the sort column
	ID   int64
}

// ErrBadCursor is returned for a cursor that was not made by Encode for the
// current sort.
var ErrBadCursor = errors.New("malformed page cursor")

// Encode writes c as a URL-safe string.
func (c Cursor) Encode() string {
	var key string
	switch k := c.Key.(type) {
	case time.Time:
		key = strconv.FormatInt(k.UnixMicro(), 10)
	case pgtype.Timestamptz:
		key = map[bool]string{true: "inf", false: "-inf"}[k.InfinityModifier == pgtype.Infinity]
	case string:
		key = k
	case int64:
		key = strconv.FormatInt(k, 10)
	}
	dir := "a"
	if c.Desc {
		dir = "d"
	}
	return base64.RawURLEncoding.EncodeToString([]byte(string(c.Sort) + "|" + dir + "|" + strconv.FormatInt(c.ID, 10) + "|" + key))
}

// DecodeCursor reads a cursor for sort and direction; anything else is
// ErrBadCursor.
func DecodeCursor(s string, sort SalesSort, desc bool) (Cursor, error) {
	col, ok := SalesSorts[sort]
	b, err := base64.RawURLEncoding.DecodeString(s)
	if !ok || err != nil || len(b) > 1024 {
		return Cursor{}, ErrBadCursor
	}
	parts := strings.SplitN(string(b), "|", 4)
	if len(parts) != 4 || parts[0] != string(sort) || parts[1] != map[bool]string{true: "d", false: "a"}[desc] {
		return Cursor{}, ErrBadCursor
	}
	c := Cursor{Sort: sort, Desc: desc}
	if c.ID, err = strconv.ParseInt(parts[2], 10, 64); err != nil || c.ID <= 0 {
		return Cursor{}, ErrBadCursor
	}
	switch col.kind {
	case 't':
		switch parts[3] {
		case "inf":
			c.Key = posInfinity
		case "-inf":
			c.Key = negInfinity
		default:
			us, err := strconv.ParseInt(parts[3], 10, 64)
			if err != nil {
				return Cursor{}, ErrBadCursor
			}
			c.Key = time.UnixMicro(us).UTC()
		}
	case 's':
		if !utf8Valid(parts[3]) {
			return Cursor{}, ErrBadCursor
		}
		c.Key = parts[3]
	case 'i':
		n, err := strconv.ParseInt(parts[3], 10, 64)
		if err != nil {
			return Cursor{}, ErrBadCursor
		}
		c.Key = n
	}
	return c, nil
}

func utf8Valid(s string) bool {
	return strings.ToValidUTF8(s, "\uFFFD") == s && !strings.ContainsRune(s, 0)
}
