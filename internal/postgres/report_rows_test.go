package postgres

import (
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// TestRowDecoderAgreesWithPgtype: the binary decoding gives what pgtype
// gives for the same bytes, at the edges (before 2000 and 1970, a
// microsecond either side of a second, infinities, NULL).
func TestRowDecoderAgreesWithPgtype(t *testing.T) {
	m := pgtype.NewMap()
	instants := []any{nil, pgtype.Timestamptz{InfinityModifier: pgtype.Infinity, Valid: true},
		pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}}
	for _, at := range []time.Time{
		time.Date(2026, 12, 4, 19, 30, 0, 123456000, time.UTC),
		time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 1000, time.UTC),
		time.Date(1901, 3, 1, 0, 0, 0, 0, time.UTC),
	} {
		instants = append(instants, at)
	}
	dates := []any{nil, pgtype.Date{InfinityModifier: pgtype.Infinity, Valid: true},
		time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC)}
	check := func(oid uint32, v any, raw, scanned any) {
		t.Helper()
		b, err := m.Encode(oid, pgx.BinaryFormatCode, v, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Scan(oid, pgx.BinaryFormatCode, b, scanned); err != nil {
			t.Fatal(err)
		}
		if err := (rowDecoder{dest: []any{raw}, ok: true}).decode([][]byte{b}); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(raw, scanned) {
			t.Errorf("%v: decoded %+v, pgtype %+v", v, raw, scanned)
		}
	}
	for _, v := range instants {
		check(pgtype.TimestamptzOID, v, &pgtype.Timestamptz{}, &pgtype.Timestamptz{})
	}
	for _, v := range dates {
		check(pgtype.DateOID, v, &pgtype.Date{}, &pgtype.Date{})
	}
	for _, v := range []any{nil, int16(-3), int16(100)} {
		check(pgtype.Int2OID, v, &pgtype.Int2{}, &pgtype.Int2{})
	}
	for _, v := range []any{int64(-1), int64(1) << 62} {
		var a, b int64
		check(pgtype.Int8OID, v, &a, &b)
	}
	for _, v := range []any{nil, "", "active", "omitted", "a title, with ünïcode"} {
		check(pgtype.TextOID, v, &pgtype.Text{}, &pgtype.Text{})
	}
	if err := (rowDecoder{dest: []any{new(int64)}, ok: true}).decode([][]byte{{1, 2}}); err == nil {
		t.Error("a short int8 was decoded")
	}
}
